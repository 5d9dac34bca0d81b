/** Reading byte ranges of an index snapshot after it was loaded (its parts are read when first needed). */
import fs from 'node:fs';
import { FairpodError } from '../core/errors.js';

/** A snapshot file as loaded: its path and inode, so that a snapshot rebuilt (renamed over it) since is noticed. */
export interface SnapshotFile {
  file: string;
  ino: number;
}

/**
 * `length` bytes at `position` of the snapshot, in a buffer of their own (typed arrays on it are aligned), with
 * one `fs.read`. The file is opened for each read, so no descriptor is held between searches, and it must still be
 * the snapshot the table was loaded from: a rebuilt one has other offsets.
 */
export function readSnapshotRange(snapshot: SnapshotFile, position: number, length: number): Buffer {
  return readSnapshotRanges(snapshot, [[position, length]])[0];
}

/**
 * Several byte ranges `[position, length]` of the snapshot (see readSnapshotRange), through one open, as views of one
 * buffer: element-aligned when every length is a multiple of the element size.
 */
export function readSnapshotRanges(snapshot: SnapshotFile, ranges: [number, number][]): Buffer[] {
  const fd = fs.openSync(snapshot.file, 'r');
  try {
    if (fs.fstatSync(fd).ino !== snapshot.ino)
      throw new FairpodError(`${snapshot.file} was rebuilt while this catalog was in use`, {
        location: { file: snapshot.file },
        hint: 'load the catalog again (its table changed)',
      });
    // One allocation for all ranges (a search may read hundreds of short stretches of a column: an ArrayBuffer
    // each kept the garbage collector busy). Each range starts at a multiple of its length's alignment, so typed
    // arrays of that element size can be laid on it (at its byteOffset).
    const whole = new ArrayBuffer(ranges.reduce((n, [, length]) => n + length, 0));
    let offset = 0;
    return ranges.map(([position, length]) => {
      const out = Buffer.from(whole, offset, length);
      offset += length;
      for (let done = 0; done < length;) {
        const n = fs.readSync(fd, out, done, length - done, position + done);
        if (n === 0)
          throw new FairpodError(`${snapshot.file} is truncated`, {
            location: { file: snapshot.file },
            hint: 'load the catalog again: its index is rebuilt',
          });
        done += n;
      }
      return out;
    });
  } finally {
    fs.closeSync(fd);
  }
}
