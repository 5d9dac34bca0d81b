import { ValidationError, type Location } from './errors.js';
import type { DataKey, DataKeyInit } from './dataKey.js';
import type { ExperimentColumns, TieBreaker } from './selection.js';
import type { StageTimes } from './stageTimes.js';
import type { VarlistEntry } from './varlist.js';

/**
 * The case being analysed: a name, its period, and facets every query must match. The name is also matched
 * against the data's paths (see `nameOccursIn`): when some file found names the case, only such files are used.
 */
export interface CaseSpec {
  name: string;
  firstYear: number;
  lastYear: number;
  /** Column → value constraints from the user (e.g. `source_id=CESM2`). */
  facets: Record<string, string>;
  /**
   * The naming convention of the case's data (MDTF's case `convention`, e.g. `cmip`): PODs' variables are
   * translated from their own convention to this one. Default: each POD's own convention.
   */
  convention?: string;
  /** The model that made the case (MDTF's case `model`); descriptive. */
  model?: string;
  /** Where the case was defined (an entry of a case-list file); unset for command-line cases. */
  source?: Location;
}

/** How `DataRequest.run` runs. */
export interface RequestOptions {
  strict?: boolean;
  /** Query, select and check files only (`fairpod plan`): nothing is fetched or written. */
  dryRun?: boolean;
  workDir: string;
  /** Loop passes before giving up; default grows with the number of variables. */
  maxIterations?: number;
  /** Concurrent fetches. */
  concurrency?: number;
  /** Where the stages' wall times are summed (`--timings`). */
  timings?: StageTimes;
}

/** What a plugin's query found for one variable. */
export interface QueryResult {
  keys: DataKeyInit[];
  /** The query in words, e.g. `variable_id=ts frequency=mon realm=atmos`, for plans and errors. */
  description: string;
}

/** What a plugin's fetch made of one data key. */
export interface FetchResult {
  localPath: string;
  /** Bytes moved over the network or copied (0 for data already local or cached). */
  bytes: number;
  cached: boolean;
}

/** Passed to a data source's `setup`, `query` and `fetch`. */
export interface RequestContext {
  caseSpec: CaseSpec;
  options: RequestOptions;
}

/**
 * The error for a facet of a case (`--facet`, or a key of a case-list entry) that the data source has no
 * column for: located at the case-list entry when the case came from one, else at `--facet`.
 */
export function unknownFacetError(
  column: string,
  caseSpec: CaseSpec,
  source: { file?: string; what: string; known: string[]; noun?: 'column' | 'facet' },
): ValidationError {
  const origin = caseSpec.source;
  const lacks = `${source.what} has no ${source.noun ?? 'column'} "${column}"`;
  return new ValidationError(
    origin
      ? `case ${caseSpec.name}: facet ${column}: ${lacks}${source.file ? ` (${source.file})` : ''}`
      : `--facet ${column}: ${lacks}`,
    {
      location: origin
        ? { ...origin, key: `${origin.key}.${column}` }
        : { file: source.file, key: '--facet' },
      hint: `${source.noun ?? 'column'}s: ${source.known.join(', ')}`,
    },
  );
}

/**
 * A data source: what a plugin's `create` returns and the loop (`DataRequest`) drives. It only finds and
 * fetches; translation, selection, the loop, downloads' bookkeeping and preprocessing are the core's.
 */
export interface DataSource {
  /** Columns that must agree at each scope (case, POD, variable). */
  readonly experimentColumns: ExperimentColumns;
  /** Preferences applied (in order) when several experiments are possible; none with `--strict`. */
  readonly tieBreakers?: readonly TieBreaker[];
  /** Loads or builds whatever the queries need (a catalog, a connection); called once per request. */
  setup?(context: RequestContext): Promise<void>;
  /** Releases what `setup` opened. Always called after `setup`, also after errors. */
  tearDown?(): Promise<void>;
  /** Finds candidate data for one variable; `entry.translation` holds its native name. */
  query(entry: VarlistEntry, context: RequestContext): Promise<QueryResult>;
  /** Makes one data key available locally (or, in a dry run, checks that it could be). Throw to fail the key. */
  fetch(key: DataKey, context: RequestContext): Promise<FetchResult>;
  /**
   * The series a data key's file belongs to: the chunks of one variable are taken from one series only.
   * Default: the directory of its path or URL; a source whose keys are not laid out in directories says.
   */
  seriesOf?(key: DataKey): string;
}
