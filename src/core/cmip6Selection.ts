import type { ExperimentColumns, TieBreaker } from './selection.js';
import { lowestEnsembleMember, newestVersion, preferredValues } from './tieBreakers.js';

/**
 * Experiment columns of CMIP6-like catalogs, as MDTF's CMIP6 data source scopes them: model, experiment and
 * member agree across the case; the grid within a POD; table and version may differ per variable.
 */
export const CMIP6_EXPERIMENT_COLUMNS: ExperimentColumns = {
  case: ['activity_id', 'institution_id', 'source_id', 'experiment_id', 'member_id', 'variant_label'],
  pod: ['grid_label'],
  variable: ['table_id', 'version'],
};

/** Tie-breakers for CMIP6-like catalogs: lowest ensemble member, newest version, native grid first. */
export const CMIP6_TIE_BREAKERS: TieBreaker[] = [
  lowestEnsembleMember('member_id'),
  lowestEnsembleMember('variant_label'),
  newestVersion('version'),
  preferredValues('grid_label', ['gn', 'gr', 'gr1'], 'native grid first'),
];
