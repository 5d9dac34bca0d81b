import { expect } from 'chai';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { RunReport } from '../../src/core/report.js';
import { writeDemoDataset } from '../../src/demo/dataset.js';
import { PACKAGE_ROOT } from '../../src/paths.js';

const run = promisify(execFile);

/** What one process printed and how it ended. */
interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end (under a time limit), never throwing for a non-zero exit. */
async function exec(file: string, args: string[], cwd: string, timeout = 120_000): Promise<Ran> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, timeout, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string; message: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
  }
}

/** The npm that came with this node (`npm` on PATH may be another). */
const NPM_CLI = path.join(
  path.dirname(process.execPath),
  '..',
  'lib',
  'node_modules',
  'npm',
  'bin',
  'npm-cli.js',
);

function npm(args: string[], cwd: string): Promise<Ran> {
  return exec(process.execPath, [NPM_CLI, ...args, '--no-audit', '--no-fund', '--offline'], cwd);
}

/** The plugin, as its author would write it: ESM JavaScript importing only `fairpod/plugin`. */
const PLUGIN_INDEX = `import fs from 'node:fs/promises';
import path from 'node:path';
import {
  CMIP6_EXPERIMENT_COLUMNS,
  CMIP6_TIE_BREAKERS,
  definePlugin,
  populatedColumns,
  queryCatalog,
  rowTimeExtent,
  searchRows,
  ValidationError,
} from 'fairpod/plugin';

/** Files listed in a memo: one JSON object per line, its facets and a path relative to the memo. */
class MemoSource {
  experimentColumns = CMIP6_EXPERIMENT_COLUMNS;
  tieBreakers = CMIP6_TIE_BREAKERS;
  constructor(options) {
    this.options = options;
  }
  async setup() {
    const text = await fs.readFile(this.options.memo, 'utf8');
    const rows = text.split('\\n').filter((l) => l.trim() !== '').map((line, i) => {
      try {
        return JSON.parse(line);
      } catch {
        throw new ValidationError('not a JSON object', { location: { file: this.options.memo, line: i + 1 }, hint: 'one object per line' });
      }
    });
    const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    this.rows = {
      source: this.options.memo,
      columns,
      assetColumn: 'path',
      variableColumn: 'variable_id',
      search: async (query) => searchRows(rows, columns, query),
      close: async () => {},
    };
    this.populated = await populatedColumns(this.rows);
  }
  async query(entry, context) {
    const match = await queryCatalog(this.rows, this.populated, entry, context.caseSpec);
    const rows = this.options.maxFiles ? match.rows.slice(0, this.options.maxFiles) : match.rows;
    const keys = rows.map((row) => ({ id: path.resolve(path.dirname(this.options.memo), row.path), row, ...rowTimeExtent(row) }));
    return { keys, description: match.description };
  }
  async fetch(key) {
    const stat = await fs.stat(key.id).catch(() => undefined);
    if (!stat) throw new Error('file named in the memo is missing: ' + key.id);
    return { localPath: key.id, bytes: 0, cached: true };
  }
}

export default definePlugin({
  name: 'memo',
  aliases: ['memo_files'],
  description: 'files listed in a memo (JSON lines of facets and a path)',
  options: {
    memo: { type: 'path', required: true, description: 'the memo file' },
    maxFiles: { type: 'integer', min: 1, description: 'at most this many files per variable' },
  },
  create: (options) => new MemoSource(options),
});
`;

/** The plugin's own contract test, as its repository runs it with mocha. */
const PLUGIN_CONTRACT_TEST = `import fs from 'node:fs/promises';
import path from 'node:path';
import { contractRows, contractSuite } from 'fairpod/plugin';
import plugin from '../index.js';

contractSuite(plugin, {
  async create(dir) {
    await fs.mkdir(path.join(dir, 'data'));
    await fs.writeFile(path.join(dir, 'data', 'present_200001-200112.nc'), 'not read by the contract suite');
    const lines = contractRows((file) => 'data/' + file).map((row) => JSON.stringify(row));
    await fs.writeFile(path.join(dir, 'files.jsonl'), lines.join('\\n') + '\\n');
    return { options: { memo: path.join(dir, 'files.jsonl') } };
  },
});
`;

/** Writes a package directory from its manifest and files. */
async function writePackage(dir: string, manifest: object, files: Record<string, string>): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), text);
  }
}

/** The demo dataset's catalog as a memo: each CSV row one JSON line, its path relative to the memo. */
async function memoFromDemo(dir: string): Promise<string> {
  const dataset = await writeDemoDataset(path.join(dir, 'data'));
  const [header, ...lines] = (await fs.readFile(path.join(dataset.root, 'catalog.csv'), 'utf8'))
    .trim()
    .split('\n');
  const columns = header!.split(',');
  const memo = path.join(dir, 'files.jsonl');
  const rows = lines.map((line) => {
    const row = Object.fromEntries(line.split(',').map((v, i) => [columns[i]!, v]));
    row.path = path.relative(dir, row.path!);
    return JSON.stringify(row);
  });
  await fs.writeFile(memo, `${rows.join('\n')}\n`);
  return memo;
}

describe('a data-source plugin in its own npm package', function () {
  this.timeout(300_000);
  let dir: string;
  let pluginDir: string;
  let project: string;
  let cli: string;
  const fairpod = (args: string[], cwd = project) => exec(process.execPath, [cli, ...args], cwd);

  before(async () => {
    await fs
      .access(NPM_CLI)
      .catch(() =>
        expect.fail(
          `no npm beside this node at ${NPM_CLI}: install node with its npm (Debian: apt-get install npm)`,
        ),
      );
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-npm-plugin-'));
    pluginDir = path.join(dir, 'fairpod-plugin-memo');
    await writePackage(
      pluginDir,
      {
        name: 'fairpod-plugin-memo',
        version: '1.2.3',
        type: 'module',
        exports: './index.js',
        files: ['index.js'],
        peerDependencies: { fairpod: '*' },
        peerDependenciesMeta: { fairpod: { optional: true } },
      },
      { 'index.js': PLUGIN_INDEX, 'test/contract.test.js': PLUGIN_CONTRACT_TEST },
    );
    // The plugin's repository has fairpod as a development dependency: this checkout.
    await fs.mkdir(path.join(pluginDir, 'node_modules'));
    await fs.symlink(PACKAGE_ROOT, path.join(pluginDir, 'node_modules', 'fairpod'), 'dir');

    // Packed as `npm publish` would, and installed into a project that has fairpod (this checkout).
    const packed = await npm(['pack', '--pack-destination', dir], pluginDir);
    expect(packed.code, packed.stderr).to.equal(0);
    project = path.join(dir, 'project');
    await writePackage(project, { name: 'memo-project', version: '0.0.0', private: true }, {});
    const installed = await npm(['install', path.join(dir, 'fairpod-plugin-memo-1.2.3.tgz')], project);
    expect(installed.code, installed.stderr).to.equal(0);
    await fs.symlink(PACKAGE_ROOT, path.join(project, 'node_modules', 'fairpod'), 'dir');
    cli = path.join(project, 'node_modules', 'fairpod', 'dist', 'src', 'cli', 'main.js');
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('is installed as a copy, not a link to its source', async () => {
    const installed = path.join(project, 'node_modules', 'fairpod-plugin-memo');
    expect((await fs.lstat(installed)).isSymbolicLink()).to.equal(false);
    expect(JSON.parse(await fs.readFile(path.join(installed, 'package.json'), 'utf8'))).to.include({
      version: '1.2.3',
    });
  });

  it('fairpod plugins lists it with its package and options', async () => {
    const r = await fairpod(['plugins']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout)
      .to.match(/^filesystem /m)
      .and.match(/^memo \(aliases: memo_files\) \[fairpod-plugin-memo 1\.2\.3\]$/m)
      .and.match(/--memo <path> +the memo file \(path, required\)/)
      .and.match(/--max-files <n> +at most this many files per variable \(integer\)/);
    const json = JSON.parse((await fairpod(['plugins', '--json'])).stdout) as {
      name: string;
      package?: string;
      options: { flag: string; type: string }[];
    }[];
    const memo = json.find((p) => p.name === 'memo')!;
    expect(memo.package).to.equal('fairpod-plugin-memo');
    expect(memo.options.map((o) => [o.flag, o.type])).to.deep.equal([
      ['--memo', 'path'],
      ['--max-files', 'integer'],
    ]);
  });

  it('fairpod plan and run use it with -m memo on its data', async () => {
    const memo = await memoFromDemo(path.join(dir, 'memo-data'));
    const caseArgs = [
      '-m',
      'memo',
      '--memo',
      memo,
      '--case',
      'DEMO',
      '--firstyr',
      '1985',
      '--lastyr',
      '1989',
    ];
    const plan = await fairpod(['plan', 'demo_plev', ...caseArgs, '--json']);
    expect(plan.code, plan.stderr).to.equal(0);
    const planned = JSON.parse(plan.stdout) as RunReport;
    expect(planned.dataManager).to.equal('memo');
    expect(planned.pods[0]!.variables[0]!.files).to.have.length(1);

    const ran = await fairpod(['run', 'demo_plev', ...caseArgs, '--work-dir', 'work', '--json']);
    expect(ran.code, ran.stderr).to.equal(0);
    const report = JSON.parse(ran.stdout) as RunReport;
    expect(report.pods[0]!.ok).to.equal(true);
    expect(report.pods[0]!.codeRun).to.match(/^[0-9a-f]{40}$/);
    await fs.access(path.join(project, 'work', 'demo_plev', 'demo_plev.html'));
  });

  it("a bad value of the plugin's option is an error naming its flag; another plugin's flag is refused", async () => {
    const memo = path.join(dir, 'memo-data', 'files.jsonl');
    const args = ['plan', 'demo_plev', '-m', 'memo', '--memo', memo, '--case', 'DEMO:1985-1989'];
    const bad = await fairpod([...args, '--max-files', 'abc']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include('fairpod: error: --max-files: --max-files "abc" is not a whole number');
    const foreign = await fairpod([...args, '--index-url', 'http://127.0.0.1/']);
    expect(foreign.code).to.equal(2);
    expect(foreign.stderr).to.match(/--index-url is not an option of data manager memo/);
  });

  it("passes the exported contract suite, run by mocha in the plugin's own directory", async () => {
    const mocha = path.join(PACKAGE_ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
    const r = await exec(process.execPath, [mocha, '--no-config', 'test/contract.test.js'], pluginDir);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout)
      .to.match(/data-source plugin contract: memo/)
      .and.match(/7 passing/);
  });

  it('a broken plugin package is an error naming it, and only commands that need plugins load them', async () => {
    const other = path.join(dir, 'broken-project');
    await writePackage(
      other,
      { name: 'broken-project', private: true, fairpod: { plugins: ['memo-listed'] } },
      {
        'node_modules/fairpod-plugin-broken/package.json': JSON.stringify({
          name: 'fairpod-plugin-broken',
          type: 'module',
          exports: './index.js',
        }),
        'node_modules/fairpod-plugin-broken/index.js': "throw new Error('cannot start');\n",
      },
    );
    const listed = await fairpod(['plugins'], other);
    expect(listed.code).to.equal(1);
    expect(listed.stderr).to.match(/plugin package memo-listed cannot be found/);
    await fs.cp(
      path.join(project, 'node_modules', 'fairpod-plugin-memo'),
      path.join(other, 'node_modules', 'memo-listed'),
      {
        recursive: true,
      },
    );
    await fs.symlink(PACKAGE_ROOT, path.join(other, 'node_modules', 'fairpod'), 'dir');
    const broken = await fairpod(['plugins'], other);
    expect(broken.code).to.equal(1);
    expect(broken.stderr)
      .to.match(/plugin package fairpod-plugin-broken failed to load: cannot start/)
      .and.match(/npm uninstall fairpod-plugin-broken/);
    const validate = await fairpod(
      ['validate', path.join(PACKAGE_ROOT, 'settings', 'pods', 'demo_plev', 'settings.jsonc')],
      other,
    );
    expect(validate.code, validate.stderr).to.equal(0);
  });
});
