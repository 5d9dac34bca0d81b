import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The FAIR Data Pipeline projects whose sources travel with the tests (test/peers/README.md). */
export type PeerName = 'pyDataPipeline' | 'FAIR-CLI' | 'data-registry';

const ARCHIVES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/peers');

/**
 * The directory holding `name`'s source tree, unpacked from its archive outside the repository the first
 * time it is asked for. The directory is named by the archive's hash, so a new archive is a new tree, and
 * it is unpacked beside its final place and renamed, so a crash never leaves half a tree behind.
 * Tests that change files work in their own copy (`copyPeer`).
 */
export function peerSource(name: PeerName): string {
  const archive = path.join(ARCHIVES, `${name}.tar.gz`);
  const digest = createHash('sha256').update(fs.readFileSync(archive)).digest('hex').slice(0, 12);
  const root = process.env.FAIRPOD_PEERS_DIR ?? path.join(os.tmpdir(), 'fairpod-peers');
  const tree = path.join(root, `${name}-${digest}`);
  if (!fs.existsSync(tree)) {
    fs.mkdirSync(root, { recursive: true });
    const partial = fs.mkdtempSync(path.join(root, `.${name}-`));
    execFileSync('tar', ['-xzf', archive, '-C', partial]);
    try {
      fs.renameSync(path.join(partial, name), tree);
    } catch (err) {
      // Another test process unpacked the same archive first: its tree is as good as ours.
      if (!fs.existsSync(tree)) throw err;
    }
    fs.rmSync(partial, { recursive: true, force: true });
  }
  return tree;
}

/** A private, writable copy of `name`'s source tree in `into` (for suites that write beside their tests). */
export function copyPeer(name: PeerName, into: string): string {
  const copy = path.join(into, name);
  fs.cpSync(peerSource(name), copy, { recursive: true });
  return copy;
}
