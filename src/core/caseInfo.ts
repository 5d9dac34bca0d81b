import fs from 'node:fs/promises';
import YAML from 'yaml';
import { writeEsmCatalog } from '../catalog/write.js';
import { writeFileAtomic } from '../store/atomicWrite.js';
import type { CatalogRow, EsmCatalogHeader } from '../catalog/types.js';
import type { CaseSpec } from './dataSource.js';
import type { Pod } from './pod.js';
import { caseEnvVars, type PodCase, type PodPaths } from './podEnvironment.js';

/** MDTF 4.2's `groupby_attrs` of its post-processed data catalog (`util/catalog.define_pp_catalog_assets`). */
const MDTF_GROUPBY = [
  'institution_id',
  'source_id',
  'member_id',
  'experiment_id',
  'frequency',
  'table_id',
  'grid_label',
  'realm',
  'chunk_freq',
  'variant_label',
];

/** One catalog row per preprocessed file of the POD in a case, with the facets of the experiment it came from. */
function catalogRows(pod: Pod, caseSpec: CaseSpec): CatalogRow[] {
  const rows: CatalogRow[] = [];
  for (const v of pod.varlist) {
    if (!v.outputPath) continue;
    rows.push({
      ...(v.selection?.experiment ?? {}),
      case_name: caseSpec.name,
      project_id: pod.convention.toUpperCase(),
      variable_id: v.outputVariable ?? v.name,
      standard_name: v.spec.standard_name,
      frequency: v.frequency ?? 'fx',
      realm: v.spec.realm ?? '',
      time_range: `${caseSpec.firstYear}-01-01-${caseSpec.lastYear}-12-31`,
      path: v.outputPath,
    });
  }
  return rows;
}

/**
 * Writes what MDTF 4.2 gives a POD besides its environment (`environment_manager.write_case_env_file`,
 * `preprocessor.write_pp_catalog`): `case_info.yml` (`CATALOG_FILE` and a `CASE_LIST` entry per case with the
 * case's variables, in the order the cases were given) and `MDTF_postprocessed_data.json`/`.csv`, an ESM
 * catalog of the preprocessed files of every case (told apart by its `case_name` column) that intake-esm opens.
 * Its `groupby_attrs` are `case_name` and those of MDTF's that every row has a value for (pandas drops rows
 * with an empty group key), so each case is a dataset of its own.
 */
export async function writeCaseInfo(cases: PodCase[], workDir: string, paths: PodPaths): Promise<void> {
  await fs.mkdir(paths.podWork, { recursive: true });
  const rows = cases.flatMap((c) => catalogRows(c.pod, c.caseSpec));
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const filled = (c: string) => rows.every((r) => typeof r[c] === 'string' && r[c] !== '');
  const names = cases.map((c) => c.caseSpec.name);
  const header: EsmCatalogHeader = {
    esmcat_version: '0.1.0',
    id: 'MDTF_postprocessed_data',
    description: `Preprocessed data of POD ${cases[0]!.pod.name}, case${names.length > 1 ? 's' : ''} ${names.join(', ')}, written by fairpod`,
    attributes: columns.filter((c) => c !== 'path').map((column_name) => ({ column_name })),
    assets: { column_name: 'path', format: 'netcdf' },
    aggregation_control: {
      variable_column_name: 'variable_id',
      groupby_attrs: ['case_name', ...MDTF_GROUPBY.filter((c) => columns.includes(c) && filled(c))],
      aggregations: [{ type: 'union', attribute_name: 'variable_id', options: {} }],
    },
  };
  await writeEsmCatalog(paths.catalogFile, header, rows, { columns });
  const caseInfo = {
    CATALOG_FILE: paths.catalogFile,
    CASE_LIST: Object.fromEntries(
      cases.map((c) => [c.caseSpec.name, caseEnvVars(c.pod, c.caseSpec, workDir)]),
    ),
  };
  await writeFileAtomic(paths.caseEnvFile, YAML.stringify(caseInfo));
}
