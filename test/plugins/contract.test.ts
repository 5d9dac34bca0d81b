import 'reflect-metadata';
import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import '../../plugins/index.js';
import { createContainer, findPlugin, listPlugins, resolveDataSource } from '../../src/container.js';
import { contractEntry, type ContractFixture } from '../../src/core/contract.js';
import { DataSourceBase } from '../../src/core/dataSource.js';
import { ValidationError } from '../../src/core/errors.js';
import { PlaceFilesPreprocessor } from '../../src/core/placeFiles.js';
import { Stage, Status } from '../../src/core/varlist.js';
import { identityTranslator, MemoryLogger, pod } from '../core/support.js';

/** The contract every registered data-source plugin must keep, run against its own fixture. */
describe('plugin contract', () => {
  it('at least the filesystem plugin is registered', () => {
    expect(listPlugins().map((p) => p.name)).to.include('filesystem');
  });

  for (const registration of listPlugins()) {
    describe(`plugin ${registration.name}`, () => {
      let dir: string;
      let fixture: Awaited<ReturnType<ContractFixture['create']>>;
      const container = () =>
        createContainer({
          translator: identityTranslator,
          preprocessor: new PlaceFilesPreprocessor(),
          logger: new MemoryLogger(),
        });
      const caseSpec = { name: 'CONTRACT', firstYear: 2000, lastYear: 2001, facets: {} };

      before(async () => {
        dir = await fs.mkdtemp(path.join(os.tmpdir(), `fairpod-contract-${registration.name}-`));
        const module = (await import(`../../plugins/${registration.name}/contract.js`)) as {
          contractFixture?: ContractFixture;
        };
        expect(
          module.contractFixture,
          `plugins/${registration.name}/contract.ts must export contractFixture`,
        ).to.not.equal(undefined);
        fixture = await module.contractFixture!.create(dir);
      });
      after(async () => {
        await fixture?.teardown?.();
        await fs.rm(dir, { recursive: true, force: true });
      });

      it('is found by its name and aliases, ignoring case, `_`, `-` and spaces', () => {
        for (const name of [registration.name, ...registration.aliases]) {
          const mangled = name.toUpperCase().replace(/_/g, '-').replace(/^(.)/, '$1 ');
          expect(findPlugin(mangled)).to.equal(registration);
        }
      });

      it('resolves from the container as a DataSourceBase with well-formed experiment columns', () => {
        const source = resolveDataSource(container(), registration.name, fixture.options);
        expect(source).to.be.instanceOf(DataSourceBase);
        for (const scope of ['case', 'pod', 'variable'] as const)
          expect(source.experimentColumns[scope]).to.be.an('array');
      });

      it('queries, fetches and places a present variable', async () => {
        const source = resolveDataSource(container(), registration.name, fixture.options);
        const p = pod('P', [contractEntry('present')]);
        const workDir = path.join(dir, 'work');
        await source.requestData([p], caseSpec, { workDir });
        const v = p.varlist[0]!;
        expect(v.failures).to.deep.equal([]);
        expect(v.stage).to.equal(Stage.PREPROCESSED);
        await fs.access(v.outputPath!);
        expect(v.outputPath).to.equal(path.join(workDir, 'P', 'mon', 'CONTRACT.present.mon.nc'));
      });

      it('fails a variable whose file is missing, and its alternate takes over', async () => {
        const source = resolveDataSource(container(), registration.name, fixture.options);
        const p = pod('P', [
          contractEntry('missing', { alternates: [['present']] }),
          contractEntry('present', { requirement: 'alternate' }),
        ]);
        await source.requestData([p], caseSpec, { workDir: path.join(dir, 'work2') });
        expect(p.varlist[0]!.status).to.equal(Status.FAILED);
        expect(p.varlist[0]!.failures.join()).to.match(/missing/);
        expect(p.varlist[1]!.status).to.equal(Status.SUCCEEDED);
        expect(p.failed).to.equal(false);
      });

      it('reports no data for an unknown variable', async () => {
        const source = resolveDataSource(container(), registration.name, fixture.options);
        const p = pod('P', [contractEntry('nonesuch')]);
        await source.requestData([p], caseSpec, { workDir: path.join(dir, 'work3'), dryRun: true });
        expect(p.varlist[0]!.failures[0]).to.match(/query: no data found/);
      });

      it('refuses to start without its options, with a located error', async () => {
        const source = resolveDataSource(container(), registration.name, {});
        let error: unknown;
        try {
          await source.requestData([pod('P', [contractEntry('present')])], caseSpec, {
            workDir: path.join(dir, 'work4'),
            dryRun: true,
          });
        } catch (err) {
          error = err;
        }
        expect(error).to.be.instanceOf(ValidationError);
        expect((error as ValidationError).location.key).to.match(/^--/);
      });
    });
  }
});
