/**
 * Reading byte ranges of a file a catalog was loaded from after the load: an index snapshot (its parts are read when
 * first needed), or the CSV table itself (its path cells, see PlainColumn.lazy).
 */
import fs from 'node:fs';
import { FairpodError } from '../core/errors.js';

/**
 * A file as loaded: its path and inode, so that a file rebuilt (renamed over it) since is noticed; for a table,
 * read in place, also its size and mtime, so that one rewritten in place is noticed too.
 */
export interface SnapshotFile {
  file: string;
  ino: number;
  size?: number;
  mtimeMs?: number;
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
    const stat = fs.fstatSync(fd);
    if (
      stat.ino !== snapshot.ino ||
      (snapshot.size !== undefined && stat.size !== snapshot.size) ||
      (snapshot.mtimeMs !== undefined && stat.mtimeMs !== snapshot.mtimeMs)
    )
      throw new FairpodError(`${snapshot.file} was rebuilt or changed while this catalog was in use`, {
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
