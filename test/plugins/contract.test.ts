import 'reflect-metadata';
import { expect } from 'chai';
import { BUILTIN_PLUGINS } from '../../plugins/index.js';
import { contractSuite, type ContractFixture } from '../../src/plugin/index.js';
import { contractFixture as filesystem } from '../../plugins/filesystem/contract.js';
import { contractFixture as http } from '../../plugins/http/contract.js';
import { contractFixture as registry } from '../../plugins/registry/contract.js';

/** Each shipped plugin's fixture, by plugin name. */
const FIXTURES: Record<string, ContractFixture> = { filesystem, http, registry };

/** The contract suite plugins run in their own repositories, run here for every plugin fairpod ships. */
describe('plugin contract', () => {
  it('every shipped plugin has a contract fixture', () => {
    expect(BUILTIN_PLUGINS.map((p) => p.name)).to.deep.equal(Object.keys(FIXTURES));
  });

  for (const plugin of BUILTIN_PLUGINS) contractSuite(plugin, FIXTURES[plugin.name]!);
});
