import { writeEsmCatalog } from '../catalog/write.js';
import type { CatalogRow } from '../catalog/types.js';
import type { VarlistEntrySpec } from '../settings/types.js';

/**
 * What a plugin hands the contract suite (`contractSuite(plugin, fixture)`) so that it runs the plugin for
 * real: a tiny data source written into a temporary directory.
 */
export interface ContractFixture {
  /**
   * Writes the data source under `dir` and returns the plugin's options to reach it (raw values by camelCase
   * name, as the command line gives them: `{ catalog: 'x.json', retries: '1' }`). It must offer variable
   * `present` (one file covering 2000-2001, frequency `mon`, realm `atmos`), list variable `missing` whose
   * file does not exist, and have nothing for any other name.
   */
  create(dir: string): Promise<{ options: Record<string, unknown>; teardown?: () => Promise<void> }>;
}

/** A minimal varlist entry for contract tests (native name = POD name under the identity translator). */
export function contractEntry(name: string, extra: Partial<VarlistEntrySpec> = {}): VarlistEntrySpec {
  return {
    name,
    standard_name: name,
    dimensions: ['time', 'lat', 'lon'],
    frequency: 'mon',
    realm: 'atmos',
    scalar_coordinates: {},
    requirement: 'required',
    alternates: [],
    use_exact_name: true,
    ...extra,
  };
}

/**
 * Writes a small ESM catalog (`jsonPath` plus a CSV beside it) whose rows are the given objects, with
 * `variable_id` as variable column and `path` as asset column; returns `jsonPath`.
 */
export async function writeTestCatalog(jsonPath: string, rows: CatalogRow[]): Promise<string> {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  await writeEsmCatalog(
    jsonPath,
    {
      esmcat_version: '0.1.0',
      attributes: columns.filter((c) => c !== 'path').map((column_name) => ({ column_name })),
      assets: { column_name: 'path', format: 'netcdf' },
      aggregation_control: {
        variable_column_name: 'variable_id',
        groupby_attrs: ['source_id'],
        aggregations: [],
      },
    },
    rows,
    { columns },
  );
  return jsonPath;
}

/** The contract's two rows: `present` and `missing`, one file each for 2000-2001; `url` maps a file name to its path or URL. */
export function contractRows(url: (file: string) => string): CatalogRow[] {
  return ['present', 'missing'].map((variable_id) => ({
    source_id: 'M',
    variable_id,
    frequency: 'mon',
    realm: 'atmos',
    time_range: '200001-200112',
    path: url(`${variable_id}_200001-200112.nc`),
  }));
}
