import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { contractEntry, type ContractFixture } from '../core/contract.js';
import { DataRequest } from '../core/dataRequest.js';
import type { CaseSpec } from '../core/dataSource.js';
import { ValidationError } from '../core/errors.js';
import { PlaceFilesPreprocessor } from '../core/placeFiles.js';
import { Pod } from '../core/pod.js';
import { DataSourceServices, type Logger, type VariableTranslator } from '../core/services.js';
import { Stage, Status } from '../core/varlist.js';
import type { VarlistEntrySpec } from '../settings/types.js';
import { normalizePluginName, PluginCatalog } from './catalog.js';
import { createDataSource, type AnyPluginDefinition } from './define.js';

/** Native name = the POD's name: the contract's variables are named as the fixture's data. */
const identityTranslator: VariableTranslator = {
  translate: (req, convention) => ({
    convention,
    name: req.name,
    units: req.units,
    standard_name: req.standard_name,
    scalar_coordinates: req.scalar_coordinates,
  }),
};

/** Keeps what the source logs, so the suite's output stays the test runner's. */
class QuietLogger implements Logger {
  readonly lines: string[] = [];
  info(message: string): void {
    this.lines.push(message);
  }
  warn(message: string): void {
    this.lines.push(`warning: ${message}`);
  }
}

/** A POD named P whose varlist is `varlist`. */
function contractPod(varlist: VarlistEntrySpec[]): Pod {
  return new Pod({
    name: 'P',
    file: '/contract/P/settings.jsonc',
    podHome: '/contract/P',
    settings: { driver: 'driver.sh', convention: 'cmip', pod_env_vars: {}, runtime_requirements: {} },
    dimensions: { time: {}, lat: {}, lon: {} },
    varlist,
    warnings: [],
  });
}

const CASE: CaseSpec = { name: 'CONTRACT', firstYear: 2000, lastYear: 2001, facets: {} };

/**
 * The contract every data-source plugin keeps, as mocha `describe`/`it` blocks asserting with `node:assert`:
 * a plugin's own repository runs it with nothing but mocha (`import { contractSuite } from 'fairpod/plugin'`,
 * then `contractSuite(plugin, fixture)` in a test file). The fixture writes a tiny data source (see
 * `ContractFixture`); the suite makes the plugin's source from the fixture's options, runs the real loop on it
 * (identity translation, files placed as they are) and checks that it finds, fetches, fails and refuses as
 * every data source must.
 */
export function contractSuite(plugin: AnyPluginDefinition, fixture: ContractFixture): void {
  describe(`data-source plugin contract: ${plugin.name}`, function () {
    this.timeout(60_000);
    let dir: string;
    let made: Awaited<ReturnType<ContractFixture['create']>> | undefined;
    const request = (raw: Record<string, unknown>): DataRequest => {
      const logger = new QuietLogger();
      const { source } = createDataSource(plugin, raw, { logger, storeRoot: path.join(dir, 'store') });
      return new DataRequest(
        source,
        new DataSourceServices(identityTranslator, new PlaceFilesPreprocessor(), logger),
      );
    };

    before(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), `fairpod-contract-${normalizePluginName(plugin.name)}-`));
      made = await fixture.create(dir);
    });
    after(async () => {
      await made?.teardown?.();
      await fs.rm(dir, { recursive: true, force: true });
    });

    it('is found by its name and aliases, ignoring case, `_`, `-` and spaces', () => {
      const catalog = new PluginCatalog([{ definition: plugin }]);
      for (const name of [plugin.name, ...(plugin.aliases ?? [])]) {
        const mangled = name.toUpperCase().replace(/_/g, '-').replace(/^(.)/, '$1 ');
        assert.equal(catalog.find(mangled).definition, plugin);
      }
    });

    it('declares each option with a type and a description', () => {
      const types = ['string', 'path', 'url', 'integer', 'number', 'boolean', 'list'];
      for (const [name, spec] of Object.entries(plugin.options ?? {})) {
        assert.ok(
          types.includes(spec.type),
          `option ${name}: type ${spec.type} is not one of ${types.join(', ')}`,
        );
        assert.ok(spec.description.length > 0, `option ${name} has no description`);
      }
    });

    it("makes a source from the fixture's options, with well-formed experiment columns", () => {
      const { source } = request(made!.options);
      for (const scope of ['case', 'pod', 'variable'] as const)
        assert.ok(Array.isArray(source.experimentColumns[scope]), `experimentColumns.${scope} is not a list`);
      assert.equal(typeof source.query, 'function');
      assert.equal(typeof source.fetch, 'function');
    });

    it('queries, fetches and places a present variable', async () => {
      const p = contractPod([contractEntry('present')]);
      const workDir = path.join(dir, 'work');
      await request(made!.options).run([p], CASE, { workDir });
      const v = p.varlist[0]!;
      assert.deepEqual(v.failures, []);
      assert.equal(v.stage, Stage.PREPROCESSED);
      assert.equal(v.outputPath, path.join(workDir, 'P', 'mon', 'CONTRACT.present.mon.nc'));
      await fs.access(v.outputPath);
    });

    it('fails a variable whose file is missing, and its alternate takes over', async () => {
      const p = contractPod([
        contractEntry('missing', { alternates: [['present']] }),
        contractEntry('present', { requirement: 'alternate' }),
      ]);
      await request(made!.options).run([p], CASE, { workDir: path.join(dir, 'work2') });
      assert.equal(p.varlist[0]!.status, Status.FAILED);
      assert.match(p.varlist[0]!.failures.join(), /missing/);
      assert.equal(p.varlist[1]!.status, Status.SUCCEEDED);
      assert.equal(p.failed, false);
    });

    it('reports no data for an unknown variable', async () => {
      const p = contractPod([contractEntry('nonesuch')]);
      await request(made!.options).run([p], CASE, { workDir: path.join(dir, 'work3'), dryRun: true });
      assert.match(p.varlist[0]!.failures[0] ?? '', /query: no data found/);
    });

    it('refuses to start without its options, with an error located at a flag', async () => {
      const error = await (async () =>
        request({}).run([contractPod([contractEntry('present')])], CASE, {
          workDir: path.join(dir, 'work4'),
          dryRun: true,
        }))().then(
        () => undefined,
        (err: unknown) => err,
      );
      assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${String(error)}`);
      assert.match(error.location.key ?? '', /^--/);
    });
  });
}
