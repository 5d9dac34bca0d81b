import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Registry } from '../../src/registry/registry.js';
import { tokenUser } from '../../src/registry/rest/tokens.js';
import { fairpod } from '../support/cli.js';
import { saveEnv } from '../support/env.js';
import { runFairpod } from '../faults/support.js';

describe('security: secrets stay out of argv (ps, shell history)', function () {
  let dir: string;
  let db: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-secrets-'));
    db = path.join(dir, 'registry.db');
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  async function create(...where: string[]): Promise<{ secret: string; id: string }> {
    const r = await fairpod('registry', 'token', 'create', '--user', 'alice', ...where);
    expect(r.code, r.stderr).to.equal(0);
    return { secret: r.stdout.trim(), id: /token id (\d+)/.exec(r.stderr)![1]! };
  }

  async function live(secret: string): Promise<boolean> {
    const registry = await Registry.open(db);
    try {
      return (await tokenUser(registry, secret)) !== undefined;
    } finally {
      await registry.close();
    }
  }

  it('token list shows ids and users, never a secret; revoke --id needs no secret', async () => {
    const { secret, id } = await create('--db', db);
    const list = await fairpod('registry', 'token', 'list', '--db', db);
    expect(list.stdout).to.match(new RegExp(`^\\s*${id}  alice  created `, 'm'));
    expect(list.stdout).to.not.include(secret);
    expect((await fairpod('registry', 'token', 'revoke', '--id', id, '--db', db)).code).to.equal(0);
    expect(await live(secret)).to.equal(false);
    const again = await fairpod('registry', 'token', 'revoke', '--id', id, '--db', db);
    expect(again.code).to.equal(2);
    expect(again.stderr).to.include(`no active token has id ${id}`);
  });

  it('revoke reads the secret from --token-file, or from stdin with --token-file -', async () => {
    const a = await create('--db', db);
    const file = path.join(dir, 'alice.token');
    await fs.writeFile(file, `${a.secret}\n`, { mode: 0o600 });
    expect((await fairpod('registry', 'token', 'revoke', '--token-file', file, '--db', db)).code).to.equal(0);
    expect(await live(a.secret)).to.equal(false);
    const b = await create('--db', db);
    const r = await runFairpod(['registry', 'token', 'revoke', '--token-file', '-', '--db', db], {
      stdin: `${b.secret}\n`,
    });
    expect(r.code, r.stderr).to.equal(0);
    expect(await live(b.secret)).to.equal(false);
  });

  it('a secret given as an argument still works but is warned about', async () => {
    const { secret } = await create('--db', db);
    const r = await fairpod('registry', 'token', 'revoke', secret, '--db', db);
    expect(r.code).to.equal(0);
    expect(r.stderr).to.match(/visible in `ps`/);
  });

  it('the registry location comes from FAIRPOD_DB_URL or --db-file; a password in --db is warned about', async () => {
    const env = saveEnv('FAIRPOD_DB_URL');
    try {
      process.env.FAIRPOD_DB_URL = db;
      const { secret } = await create();
      expect(await live(secret)).to.equal(true);
    } finally {
      env.restore();
    }
    const dbFile = path.join(dir, 'db.url');
    await fs.writeFile(dbFile, `${db}\n`, { mode: 0o600 });
    const { id } = await create('--db-file', dbFile);
    expect((await fairpod('registry', 'token', 'list', '--db-file', dbFile)).stdout).to.match(
      new RegExp(`^\\s*${id}  alice`, 'm'),
    );
    const pw = await fairpod('registry', 'token', 'list', '--db', 'postgres://u:secret@127.0.0.1:1/x');
    expect(pw.stderr).to.match(/password in --db is visible in `ps`/);
  });
});
