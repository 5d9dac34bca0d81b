import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ValidationError } from '../core/errors.js';
import type { LoadedEsmCatalog } from '../catalog/esmCatalog.js';
import { listTemplates } from '../catalog/templateNames.js';
import type { CatalogQuery } from '../catalog/types.js';

// Unmatched files printed on stderr before the rest go to a list file.
const UNMATCHED_SHOWN = 20;

interface LoadFlags {
  catalogFile?: string;
  index: boolean;
}

async function open(catalog: string, flags: LoadFlags): Promise<LoadedEsmCatalog> {
  const { loadEsmCatalog } = await import('../catalog/esmCatalog.js');
  const loaded = await loadEsmCatalog(catalog, { catalogFile: flags.catalogFile, index: flags.index });
  for (const note of loaded.notes) process.stderr.write(`note: ${note}\n`);
  return loaded;
}

/** Parses `key=value` terms; a key given several times ORs its values. */
export function parseTerms(terms: string[]): CatalogQuery {
  const query: Record<string, string[]> = {};
  for (const term of terms) {
    const eq = term.indexOf('=');
    if (eq <= 0) {
      throw new ValidationError(`'${term}' is not a key=value search term`, {
        location: { key: term },
        hint: 'write terms as column=value (repeat a column to OR values: variable_id=tas variable_id=pr)',
      });
    }
    (query[term.slice(0, eq)] ??= []).push(term.slice(eq + 1));
  }
  return query;
}

const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** `fairpod catalog search|info|build`: ESM catalogs from the command line. */
export function registerCatalog(program: Command): void {
  const catalog = program
    .command('catalog')
    .description('search, describe and build ESM collection catalogs');

  catalog
    .command('search')
    .description(
      'search a catalog with intake-esm semantics (values of one column ORed, columns ANDed, * ? ^ $ or /re/ are patterns)',
    )
    .argument('<catalog>', 'ESM catalog JSON header, or a CSV table with a path column')
    .argument('[terms...]', 'column=value terms')
    .option(
      '--require-all-on <columns>',
      'keep only groups of these columns holding every requested combination',
      list,
    )
    .option('--start <date>', 'keep rows whose period overlaps [start, end] (yyyy, yyyymmdd, ISO ...)')
    .option('--end <date>', 'end of the period (with --start)')
    .option('--json', 'print the rows as JSON')
    .option('--catalog-file <csv>', "use this table instead of the header's catalog_file")
    .option('--no-index', 'do not use or build the SQLite index')
    .action(
      async (
        file: string,
        terms: string[],
        opts: LoadFlags & { requireAllOn?: string[]; start?: string; end?: string; json?: boolean },
      ) => {
        if ((opts.start === undefined) !== (opts.end === undefined)) {
          throw new ValidationError('--start and --end go together', {
            location: { key: opts.start ? '--end' : '--start' },
            hint: 'give both ends of the period',
          });
        }
        const cat = await open(file, opts);
        try {
          const rows = await cat.search(parseTerms(terms), {
            requireAllOn: opts.requireAllOn,
            timeRange: opts.start !== undefined ? { start: opts.start, end: opts.end! } : undefined,
          });
          if (opts.json) {
            process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          } else {
            const shown = [
              ...new Set([...Object.keys(parseTerms(terms)), ...(opts.requireAllOn ?? []), cat.assetColumn]),
            ];
            process.stdout.write(`${shown.join('\t')}\n`);
            for (const row of rows)
              process.stdout.write(`${shown.map((c) => String(row[c] ?? '')).join('\t')}\n`);
            process.stderr.write(`${rows.length} of ${cat.size} rows\n`);
          }
        } finally {
          await cat.close();
        }
      },
    );

  catalog
    .command('info')
    .description('describe a catalog: rows, columns, and the unique values of each facet')
    .argument('<catalog>', 'ESM catalog JSON header, or a CSV table with a path column')
    .option('--json', 'print as JSON')
    .option('--catalog-file <csv>', "use this table instead of the header's catalog_file")
    .option('--no-index', 'do not use or build the SQLite index')
    .action(async (file: string, opts: LoadFlags & { json?: boolean }) => {
      const cat = await open(file, opts);
      try {
        const facets = cat.header.attributes.map((a) => a.column_name).filter((c) => cat.columns.includes(c));
        const unique = await cat.uniqueValues(facets);
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify({ source: cat.source, rows: cat.size, columns: cat.columns, assetColumn: cat.assetColumn, unique }, null, 2)}\n`,
          );
          return;
        }
        process.stdout.write(
          `catalog: ${cat.source}\nrows: ${cat.size}\ncolumns: ${cat.columns.length} (assets in '${cat.assetColumn}')\n`,
        );
        for (const c of facets) {
          const values = unique[c];
          const sample = values.slice(0, 10).join(', ') + (values.length > 10 ? ', ...' : '');
          process.stdout.write(
            `  ${c}: ${values.length} value${values.length === 1 ? '' : 's'}${values.length ? `: ${sample}` : ''}\n`,
          );
        }
      } finally {
        await cat.close();
      }
    });

  catalog
    .command('build')
    .description(
      `crawl a directory tree into an ESM catalog with a DRS template (${listTemplates().join(', ')}, or a template file), or without one (--attributes): facets from netCDF global attributes`,
    )
    .argument('<dir>', 'root of the tree')
    .option('--template <name>', 'DRS template name or YAML file')
    .option(
      '--attributes',
      "no template: facets from each netCDF file's global attributes (as ecgtools), the period from its name or time axis",
    )
    .requiredOption('-o, --output <file.json>', 'catalog JSON to write (the CSV goes beside it)')
    .option('--gzip', 'write the table as .csv.gz')
    .option('--concurrency <n>', 'directories read at once', (v) => Number.parseInt(v, 10), 32)
    .action(
      async (
        dir: string,
        opts: {
          template?: string;
          attributes?: boolean;
          output: string;
          gzip?: boolean;
          concurrency: number;
        },
      ) => {
        if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
          throw new ValidationError(`${dir} is not a directory`, {
            location: { key: '<dir>' },
            hint: 'pass the root of the tree to crawl',
          });
        }
        if ((opts.template === undefined) === (opts.attributes === undefined)) {
          throw new ValidationError(
            opts.template
              ? '--template and --attributes exclude each other'
              : 'give --template NAME or --attributes',
            {
              location: { key: '--template' },
              hint: `a DRS template (${listTemplates().join(', ')}, or a YAML file) reads facets from paths; --attributes reads them from the files`,
            },
          );
        }
        const [
          { loadTemplate, templateHeader },
          { attributeHeader, ATTRIBUTE_COLUMNS, crawlAttributes },
          { crawl },
          { writeEsmCatalog },
        ] = await Promise.all([
          import('../catalog/templates.js'),
          import('../catalog/attributeCrawl.js'),
          import('../catalog/crawl.js'),
          import('../catalog/write.js'),
        ]);
        const template = opts.template !== undefined ? loadTemplate(opts.template) : undefined;
        const unmatched: [string, string][] = [];
        const unmatchedList = `${opts.output.replace(/\.json$/i, '')}.unmatched.txt`;
        const id = path.basename(opts.output).replace(/\.json$/i, '');
        const crawlOptions = {
          concurrency: opts.concurrency,
          onUnmatched: (rel: string, reason: string) => unmatched.push([rel, reason]),
        };
        const written = await writeEsmCatalog(
          opts.output,
          template ? templateHeader(template, id) : attributeHeader(id),
          template ? crawl(dir, template, crawlOptions) : crawlAttributes(dir, crawlOptions),
          { gzip: opts.gzip, columns: template ? template.columns : ATTRIBUTE_COLUMNS },
        );
        process.stderr.write(
          `wrote ${written.rows} rows to ${written.jsonPath} (table ${written.csvPath})\n`,
        );
        fs.rmSync(unmatchedList, { force: true });
        const what = template ? `template '${template.spec.name}'` : 'the attribute crawl';
        if (unmatched.length > 0) {
          unmatched.sort((a, b) => a[0].localeCompare(b[0]));
          const lines = unmatched.map(([rel, reason]) => `${rel}: ${reason}`);
          process.stderr.write(
            `${unmatched.length} file${unmatched.length === 1 ? '' : 's'} not in the catalog (${what}):\n`,
          );
          for (const line of lines.slice(0, UNMATCHED_SHOWN)) process.stderr.write(`  ${line}\n`);
          // Every unmatched file, with its reason, is listed in a file beside the catalog.
          fs.writeFileSync(unmatchedList, `${lines.join('\n')}\n`);
          process.stderr.write(
            `${unmatched.length > UNMATCHED_SHOWN ? `  ... and ${unmatched.length - UNMATCHED_SHOWN} more; ` : ''}all listed in ${unmatchedList}\n`,
          );
        }
        if (written.rows === 0) {
          process.stderr.write(
            `no file under ${dir} went into the catalog (${what}${template ? `: ${template.spec.pattern}` : ''})\n`,
          );
          process.exitCode = 1;
        }
      },
    );
}
