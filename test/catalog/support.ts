import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh temporary directory, removed by `cleanup()`. */
export function tempDir(prefix = 'fairpod-catalog-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
const made: string[] = [];

/** Removes every directory `tempDir()` made. */
export function cleanup(): void {
  for (const dir of made.splice(0)) {
    fs.chmodSync(dir, 0o755);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Points the index cache at a temporary directory for the duration of a suite, so that tests never write
 * into the user's cache (indexes of read-only example catalogs go there).
 */
export function isolateIndexCache(): void {
  let saved: string | undefined;
  before(() => {
    saved = process.env.FAIRPOD_CACHE_DIR;
    process.env.FAIRPOD_CACHE_DIR = tempDir('fairpod-cache-');
  });
  after(() => {
    if (saved === undefined) delete process.env.FAIRPOD_CACHE_DIR;
    else process.env.FAIRPOD_CACHE_DIR = saved;
    cleanup();
  });
}

/** Writes `files` (relative path → content) under `dir`. */
export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
}

/** Runs `fn` capturing what it writes to stdout and stderr. */
export async function capture<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const result = await fn();
    return { result, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}

/** A minimal valid header naming `csv`. */
export function header(csv: string, attributes: string[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify(
    {
      esmcat_version: '0.1.0',
      attributes: attributes.map((column_name) => ({ column_name, vocabulary: '' })),
      assets: { column_name: 'path', format: 'netcdf' },
      catalog_file: csv,
      ...extra,
    },
    null,
    2,
  );
}

/** Rows of `writeMovedCatalog`: [frequency, variable_id, start year, end year]. */
const MOVED_CATALOG_ROWS: [string, string, number, number][] = [
  ['day', 'pr', 1990, 2009],
  ['day', 'huss', 1990, 2009],
  ['day', 'hfls', 1990, 2009],
  ['day', 'PRECT', 1990, 2009],
  ['1hr', 'PRECT', 1970, 1974],
  ['3hr', 'pr', 1990, 2009],
  ['mon', 'PRECT', 1990, 2009],
  ['6hr', 'ta', 1976, 1985],
];

/**
 * Writes a catalog shaped as MDTF's CI writes them: its header names a table on another machine
 * (`file:/home/runner/...`), the table lies beside the header, dates carry times of day, paths point
 * nowhere here. Returns the header's path; the table has `MOVED_CATALOG_ROWS.length` (8) rows.
 */
export function writeMovedCatalog(dir: string): string {
  const columns = ['activity_id', 'frequency', 'standard_name', 'units', 'realm', 'variable_id'];
  const lines = [[...columns, 'start_time', 'end_time', 'time_range', 'path', 'version'].join(',')];
  for (const [frequency, variable, start, end] of MOVED_CATALOG_ROWS) {
    const [from, to] = [`${start}-01-01 00:00:00`, `${end}-12-31 00:00:00`];
    const file = `/home/runner/mdtf_test_data/Synthetic_${start}0101-${end}1231/${frequency}/Synthetic.${variable}.${frequency}.nc`;
    lines.push(
      [
        'CMIP',
        frequency,
        `sn_${variable}`,
        '1',
        'atmos',
        variable,
        from,
        to,
        `${from}-${to}`,
        file,
        'v0',
      ].join(','),
    );
  }
  fs.writeFileSync(path.join(dir, 'moved.csv'), lines.join('\n') + '\n');
  const json = path.join(dir, 'moved.json');
  fs.writeFileSync(
    json,
    header('file:/home/runner/work/elsewhere/moved.csv', columns, {
      aggregation_control: {
        variable_column_name: 'variable_id',
        groupby_attrs: ['activity_id', 'frequency', 'realm'],
        aggregations: [{ type: 'union', attribute_name: 'variable_id', options: {} }],
      },
    }),
  );
  return json;
}
