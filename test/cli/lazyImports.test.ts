import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { Command } from 'commander';
import { COMMANDS } from '../../src/cli/commands.js';
import { buildProgram } from '../../src/cli/program.js';
import { CLI } from '../faults/support.js';

// A module-resolution hook that appends every URL the process resolves to a file: what a command loads.
const HOOKS = `import fs from 'node:fs';
let out;
export function initialize(data) { out = data.out; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  fs.appendFileSync(out, result.url + '\\n');
  return result;
}
`;
// CommonJS loads (a createRequire in fairpod, or a package's own require) skip the ESM hooks: the
// require cache is added to the trace when the process exits.
const REGISTER = `import { register, createRequire } from 'node:module';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
register(new URL('./hooks.mjs', import.meta.url), { data: { out: process.env.TRACE_OUT } });
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  const files = Object.keys(cache).map((f) => pathToFileURL(f).href);
  if (files.length) fs.appendFileSync(process.env.TRACE_OUT, files.join('\\n') + '\\n');
});
`;

/** Packages and folders no light command may load: each costs more than the command itself. */
const HEAVY = [
  'mathjs',
  'typed-function',
  'h5wasm',
  'netcdfjs',
  'fastify',
  'got',
  'tsyringe',
  '/dist/plugins/',
];

let dir: string;

/** Runs `fairpod ...args` as a process and returns every module URL it resolved. */
async function loadedBy(args: string[], cwd = dir): Promise<{ urls: string[]; code: number | null }> {
  const out = path.join(dir, `trace-${args.join('-').replace(/\W/g, '_')}.txt`);
  await fs.writeFile(out, '');
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', pathToFileURL(path.join(dir, 'register.mjs')).href, CLI, ...args],
      {
        cwd,
        env: { ...process.env, TRACE_OUT: out },
        stdio: 'ignore',
      },
    );
    child.on('error', reject);
    child.on('close', resolve);
  });
  return { urls: (await fs.readFile(out, 'utf8')).split('\n').filter(Boolean), code };
}

function heavyIn(urls: string[], allowed: string[] = []): string[] {
  return [...new Set(urls.filter((u) => HEAVY.some((h) => u.includes(h) && !allowed.includes(h))))];
}

describe('fairpod loads only what a command uses', function () {
  this.timeout(60_000);

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-lazy-'));
    await fs.writeFile(path.join(dir, 'hooks.mjs'), HOOKS);
    await fs.writeFile(path.join(dir, 'register.mjs'), REGISTER);
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('--help loads commander and the command definitions only', async () => {
    const { urls, code } = await loadedBy(['--help']);
    expect(code).to.equal(0);
    expect(urls.some((u) => u.includes('/commander/'))).to.equal(true);
    expect(heavyIn(urls)).to.deep.equal([]);
    for (const light of ['knex', 'sqlite3', 'yaml', 'jsonc-parser'])
      expect(urls.filter((u) => u.includes(`/node_modules/${light}/`))).to.deep.equal([]);
  });

  it('log, status and info load the registry but no units, netCDF, server or plugins', async () => {
    const project = path.join(dir, 'project');
    await fs.mkdir(project);
    expect((await loadedBy(['init', '--user', 'ann'], project)).code).to.equal(0);
    for (const args of [['log'], ['status'], ['info', 'nosuchrun']]) {
      const { urls } = await loadedBy(args, project);
      expect(
        urls.some((u) => u.includes('/node_modules/knex/')),
        args.join(' '),
      ).to.equal(true);
      expect(heavyIn(urls), args.join(' ')).to.deep.equal([]);
    }
  });

  it('store add in a project loads no registry (no knex, no sqlite3): it needs only the store', async () => {
    const project = path.join(dir, 'store-project');
    await fs.mkdir(project);
    expect((await loadedBy(['init', '--user', 'ann'], project)).code).to.equal(0);
    await fs.writeFile(path.join(project, 'a.nc'), 'DATA');
    const { urls, code } = await loadedBy(['store', 'add', 'a.nc', '--name', 'x/a'], project);
    expect(code).to.equal(0);
    for (const driver of ['knex', 'sqlite3', 'pg'])
      expect(urls.filter((u) => u.includes(`/node_modules/${driver}/`))).to.deep.equal([]);
    expect(heavyIn(urls)).to.deep.equal([]);
  });

  it('preprocess loads its own command module and no other command, plugin or tsyringe', async () => {
    const { urls, code } = await loadedBy(['preprocess', '--help']);
    expect(code).to.equal(0);
    const cli = urls.filter((u) => /\/dist\/src\/cli\/\w+\.js$/.test(u)).map((u) => path.basename(u));
    expect([...new Set(cli)].sort()).to.deep.equal([
      'commands.js',
      'main.js',
      'pluginOptions.js',
      'preprocess.js',
      'program.js',
    ]);
    expect(urls.filter((u) => /plugin\/load\.js|import-meta-resolve|tsyringe/.test(u))).to.deep.equal([]);
  });

  it('the command table names each command as its module registers it; the program has one or all', async () => {
    for (const [name, load] of COMMANDS) {
      const program = new Command();
      (await load())(program);
      expect(
        program.commands.map((c) => c.name()),
        name,
      ).to.deep.equal([name]);
    }
    const one = await buildProgram(['node', 'fairpod', 'preprocess', 'x.nc']);
    expect(one.commands.map((c) => c.name())).to.deep.equal(['preprocess']);
    const all = await buildProgram(['node', 'fairpod', '--help']);
    expect(all.commands.map((c) => c.name())).to.deep.equal(COMMANDS.map(([name]) => name));
  });

  it('run --help and help plan still list every plugin option (the plugins load for them only)', async () => {
    const { urls } = await loadedBy(['run', '--help']);
    expect(urls.some((u) => u.includes('/dist/plugins/'))).to.equal(true);
    const text = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'help', 'plan'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let s = '';
      child.stdout.on('data', (d: Buffer) => (s += d.toString()));
      child.on('error', reject);
      child.on('close', () => resolve(s));
    });
    expect(text).to.include('--catalog <path>').and.include('--registry-url <url>');
  });
});
