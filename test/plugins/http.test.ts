import 'reflect-metadata';
import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import httpPlugin from '../../plugins/http/index.js';
import type { CatalogRows } from '../../src/core/catalogQuery.js';
import { contractEntry, writeTestCatalog } from '../../src/core/contract.js';
import { DataRequest } from '../../src/core/dataRequest.js';
import { DataSourceServices } from '../../src/core/services.js';
import { createDataSource } from '../../src/plugin/define.js';
import { ValidationError } from '../../src/core/errors.js';
import { Status } from '../../src/core/varlist.js';
import { ContentStore } from '../../src/store/contentStore.js';
import { identityTranslator, MemoryLogger, pod, RecordingPreprocessor } from '../core/support.js';
import { startNginx, type NginxServer } from '../fetch/nginx.js';
import { digestOf, TestServer, testBytes } from '../fetch/testServer.js';

const DRS = 'CMIP/NCAR/CESM2/historical/r1i1p1f1/Amon';

describe('http data manager', () => {
  let dir: string;
  let logger: MemoryLogger;
  let preprocessor: RecordingPreprocessor;
  const source = (options: Record<string, unknown>) => {
    logger = new MemoryLogger();
    preprocessor = new RecordingPreprocessor();
    const { source: http } = createDataSource(
      httpPlugin,
      { store: path.join(dir, 'store'), retries: '1', timeout: '5', ...options },
      { logger, storeRoot: path.join(dir, 'default-store') },
    );
    return new DataRequest(http, new DataSourceServices(identityTranslator, preprocessor, logger));
  };

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-http-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  describe('crawling an nginx autoindex with the cmip6 DRS template', () => {
    let nginx: NginxServer;
    const chunks = ['185001-189912', '190001-194912', '195001-199912'];

    beforeEach(async () => {
      for (const variable of ['tas', 'pr']) {
        const folder = path.join(dir, 'www', 'CMIP6', DRS, variable, 'gn', 'v20190308');
        await fs.mkdir(folder, { recursive: true });
        for (const [i, range] of chunks.entries()) {
          await fs.writeFile(
            path.join(folder, `${variable}_Amon_CESM2_historical_r1i1p1f1_gn_${range}.nc`),
            testBytes(4096 + i, i + 7),
          );
        }
      }
      await fs.writeFile(path.join(dir, 'www', 'CMIP6', 'README.txt'), 'not data');
      nginx = await startNginx(path.join(dir, 'www'));
    });
    afterEach(async () => {
      await nginx.stop();
    });

    it('finds the files, fetches only the chunks in the analysis period into the store, and reports what it did', async () => {
      const s = source({ indexUrl: `${nginx.url}CMIP6/`, template: 'cmip6' });
      const p = pod('P', [contractEntry('tas')]);
      await s.run(
        [p],
        { name: 'C', firstYear: 1960, lastYear: 1970, facets: {} },
        { workDir: path.join(dir, 'work') },
      );
      const v = p.varlist[0]!;
      expect(v.failures).to.deep.equal([]);
      expect(v.status).to.equal(Status.SUCCEEDED);
      expect(preprocessor.calls[0]!.files).to.deep.equal([
        `${nginx.url}CMIP6/${DRS}/tas/gn/v20190308/tas_Amon_CESM2_historical_r1i1p1f1_gn_195001-199912.nc`,
      ]);
      const stored = await new ContentStore(path.join(dir, 'store')).list();
      expect(stored.map((o) => o.name)).to.deep.equal([
        `127.0.0.1_${new URL(nginx.url).port}/CMIP6/${DRS}/tas/gn/v20190308/tas_Amon_CESM2_historical_r1i1p1f1_gn_195001-199912`,
      ]);
      expect(stored[0]!.sha1).to.equal(digestOf(testBytes(4098, 9), 'sha1'));
      expect(logger.lines.join('\n')).to.match(/downloads: 1 file\(s\).*0 failure\(s\)/);
      expect(logger.lines.join('\n')).to.match(/1 file\(s\) under .* match no part of the cmip6 template/);
      // An autoindex publishes no checksums: the file is stored as received, and the user is told so.
      expect(logger.lines.join('\n')).to.match(
        new RegExp(
          `tas_Amon_CESM2_historical_r1i1p1f1_gn_195001-199912\\.nc: no published checksum, so stored as received, unverified \\(SHA-1 ${stored[0]!.sha1}\\)`,
        ),
      );
    });

    it('a second run is served from the store', async () => {
      const run = async () => {
        const p = pod('P', [contractEntry('pr')]);
        await source({ indexUrl: `${nginx.url}CMIP6/`, template: 'cmip6' }).run(
          [p],
          { name: 'C', firstYear: 1900, lastYear: 1999, facets: {} },
          { workDir: path.join(dir, 'work') },
        );
        expect(p.varlist[0]!.status).to.equal(Status.SUCCEEDED);
      };
      await run();
      expect(logger.lines.join('\n')).to.match(/downloads: 2 file\(s\)/);
      await run();
      expect(logger.lines.join('\n')).to.match(/downloads: 0 file\(s\), 0\.0 MiB .* 2 cache hit\(s\)/);
    });
  });

  describe('an ESM catalog of URLs', () => {
    let server: TestServer;
    const good = testBytes(20_000, 3);

    beforeEach(async () => {
      server = new TestServer();
      await server.start();
    });
    afterEach(async () => {
      await server.stop();
    });

    const COLUMNS = ['source_id', 'variable_id', 'time_range', 'size', 'checksum', 'checksum_type', 'path'];
    const writeCatalog = (lines: string[]): Promise<string> =>
      writeTestCatalog(
        path.join(dir, 'urls.json'),
        lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [COLUMNS[i]!, v]))),
      );

    it('a corrupt file fails its data key with the reason, the alternate takes over, and nothing bad is stored', async () => {
      server.serve('/ts.nc', good, { faults: [{ kind: 'wrongBytes' }, { kind: 'wrongBytes' }] });
      server.serve('/tas.nc', good);
      const catalog = await writeCatalog([
        `M,ts,200001-200112,20000,${digestOf(good, 'sha256')},SHA256,${server.url('/ts.nc')}`,
        `M,tas,200001-200112,20000,${digestOf(good, 'md5')},md5,${server.url('/tas.nc')}`,
      ]);
      const p = pod('P', [
        contractEntry('ts', { alternates: [['tas']] }),
        contractEntry('tas', { requirement: 'alternate' }),
      ]);
      await source({ catalog }).run(
        [p],
        { name: 'C', firstYear: 2000, lastYear: 2001, facets: {} },
        { workDir: path.join(dir, 'work') },
      );
      expect(p.varlist[0]!.status).to.equal(Status.FAILED);
      expect(p.varlist[0]!.failures.join()).to.match(/checksum mismatch: sha256 is [0-9a-f]{64}, expected/);
      expect(p.varlist[1]!.status).to.equal(Status.SUCCEEDED);
      const store = new ContentStore(path.join(dir, 'store'));
      expect((await store.list()).map((o) => o.sha1)).to.deep.equal([digestOf(good, 'sha1')]);
      expect((await store.verify()).bad).to.deep.equal([]);
    });

    it('refuses a catalog URL that escapes the store, naming the catalog and column', async () => {
      const catalog = await writeCatalog([
        `M,ts,200001-200112,,,,${server.url('/a/%2e%2e/%2e%2e/etc/passwd')}`,
      ]);
      const p = pod('P', [contractEntry('ts')]);
      await source({ catalog }).run(
        [p],
        { name: 'C', firstYear: 2000, lastYear: 2001, facets: {} },
        { workDir: path.join(dir, 'work') },
      );
      expect(p.varlist[0]!.failures.join()).to.match(
        /^query: .*urls\.json: path: refusing URL .*: its path contains "\.\."/,
      );
      expect(server.requests).to.deep.equal([]);
    });

    it('a dry run checks the files with HEAD requests and downloads nothing', async () => {
      server.serve('/ts.nc', good);
      const catalog = await writeCatalog([`M,ts,200001-200112,,,,${server.url('/ts.nc')}`]);
      const p = pod('P', [contractEntry('ts')]);
      const s = source({ catalog });
      await s.run(
        [p],
        { name: 'C', firstYear: 2000, lastYear: 2001, facets: {} },
        { workDir: path.join(dir, 'work'), dryRun: true },
      );
      expect(p.varlist[0]!.failures).to.deep.equal([]);
      expect(server.requests.map((r) => r.method)).to.deep.equal(['HEAD']);
      expect(s.dataKeys.get(server.url('/ts.nc'))!.size).to.equal(20_000);
      expect(await new ContentStore(path.join(dir, 'store')).list()).to.deep.equal([]);
    });

    it('answers identical queries once per run: two PODs asking for ts make one search', async () => {
      server.serve('/ts.nc', good);
      const catalog = await writeCatalog([`M,ts,200001-200112,,,,${server.url('/ts.nc')}`]);
      const { source: http } = createDataSource(
        httpPlugin,
        { store: path.join(dir, 'store'), retries: '1', timeout: '5', catalog },
        { logger: new MemoryLogger(), storeRoot: path.join(dir, 'default-store') },
      );
      let searches = 0;
      const setup = http.setup!.bind(http);
      http.setup = async (context) => {
        await setup(context);
        const rows = (http as unknown as { rows: CatalogRows }).rows;
        const search = rows.search.bind(rows);
        rows.search = (q, o) => {
          searches++;
          return search(q, o);
        };
      };
      const request = new DataRequest(
        http,
        new DataSourceServices(identityTranslator, new RecordingPreprocessor(), new MemoryLogger()),
      );
      const pods = [pod('P1', [contractEntry('ts')]), pod('P2', [contractEntry('ts')])];
      const caseSpec = { name: 'C', firstYear: 2000, lastYear: 2001, facets: {} };
      await request.run(pods, caseSpec, { workDir: path.join(dir, 'work'), dryRun: true });
      expect(searches).to.equal(1);
      expect(pods.map((p) => p.varlist[0]!.selection?.keys.map((k) => k.id))).to.deep.equal([
        [server.url('/ts.nc')],
        [server.url('/ts.nc')],
      ]);
      // A new run searches again: the catalog may have changed in between.
      await request.run([pod('P3', [contractEntry('ts')])], caseSpec, {
        workDir: path.join(dir, 'work'),
        dryRun: true,
      });
      expect(searches).to.equal(2);
    });

    it('rejects a bad --max-connections with a located error', async () => {
      const catalog = await writeCatalog([]);
      expect(() => source({ catalog, maxConnections: 'many' }))
        .to.throw(ValidationError, /--max-connections "many" is not a whole number/)
        .with.nested.property('location.key', '--max-connections');
    });
  });
});
