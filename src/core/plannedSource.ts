import type { DataKey } from './dataKey.js';
import type { DataSource, FetchResult, QueryResult } from './dataSource.js';
import type { FetchOutcomes, PlannedSelection } from './jobPlan.js';
import type { ExperimentColumns, TieBreaker } from './selection.js';
import type { VarlistEntry } from './varlist.js';

/**
 * The data source of a job on a compute node: it answers the loop from the plan the submitting host wrote
 * instead of querying again. A variable's query finds exactly the files chosen for it there (none for one that
 * had no selection, so its alternates step in as they did there); a fetch hands over what the fetch stage
 * made of the key. Selection runs on those files with the real plugin's experiment columns, tie-breakers and
 * series, so the choice and the report are the submitting host's; the preprocessor is the real one.
 */
export class PlannedDataSource implements DataSource {
  readonly experimentColumns: ExperimentColumns;
  readonly tieBreakers?: readonly TieBreaker[];

  constructor(
    private readonly plugin: DataSource,
    private readonly selections: Record<string, PlannedSelection>,
    private readonly fetched: FetchOutcomes,
  ) {
    this.experimentColumns = plugin.experimentColumns;
    this.tieBreakers = plugin.tieBreakers;
    // The plugin's own notion of a series: the same files make the same series here.
    if (plugin.seriesOf) this.seriesOf = (key) => plugin.seriesOf!(key);
  }

  readonly seriesOf?: (key: DataKey) => string;

  query(entry: VarlistEntry): Promise<QueryResult> {
    const planned = this.selections[entry.name];
    return Promise.resolve({
      keys: planned?.keys ?? [],
      description: planned?.query ?? 'not selected when the run was planned',
    });
  }

  fetch(key: DataKey): Promise<FetchResult> {
    const outcome = this.fetched[key.id];
    if (!outcome) return Promise.reject(new Error(`${key.id} was not fetched by the run's fetch stage`));
    if ('failure' in outcome) return Promise.reject(new Error(outcome.failure));
    return Promise.resolve(outcome);
  }
}
