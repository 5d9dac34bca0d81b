/** A real, in-memory data source and POD builders for the core tests. */
import { DataRequest } from '../../src/core/dataRequest.js';
import type { DataSource, FetchResult, QueryResult } from '../../src/core/dataSource.js';
import { DataKeyError, type DataKey, type DataKeyInit } from '../../src/core/dataKey.js';
import { Pod } from '../../src/core/pod.js';
import {
  DataSourceServices,
  type Logger,
  type PreprocessOutput,
  type Preprocessor,
  type VariableTranslator,
} from '../../src/core/services.js';
import { lowestEnsembleMember, newestVersion } from '../../src/core/tieBreakers.js';
import { parseTimeRange } from '../../src/catalog/dates.js';
import type { VarlistEntry } from '../../src/core/varlist.js';
import type { PodSettings, VarlistEntrySpec } from '../../src/settings/types.js';

/** Native name = the POD's name (as with use_exact_name). */
export const identityTranslator: VariableTranslator = {
  translate: (req, convention) => ({
    convention,
    name: req.name,
    units: req.units,
    standard_name: req.standard_name,
    scalar_coordinates: req.scalar_coordinates,
  }),
};

/** Collects what the loop logs. */
export class MemoryLogger implements Logger {
  readonly lines: string[] = [];
  info(m: string): void {
    this.lines.push(m);
  }
  warn(m: string): void {
    this.lines.push(`warning: ${m}`);
  }
}

/** Records the files each variable was preprocessed from. */
export class RecordingPreprocessor implements Preprocessor {
  readonly calls: { label: string; files: string[] }[] = [];
  failFor = new Set<string>();
  async process(entry: VarlistEntry, files: DataKey[]): Promise<PreprocessOutput> {
    if (this.failFor.has(entry.label)) throw new DataKeyError(files[0]!.id, 'unreadable file');
    this.calls.push({ label: entry.label, files: files.map((f) => f.id) });
    return { path: `/work/${entry.pod}/${entry.name}.nc`, variableName: entry.name, history: [] };
  }
}

/** A row of the in-memory catalog: `variable` and `range` (`1980-1984`) plus experiment facets. */
export interface MemoryRow {
  variable: string;
  range?: string;
  source_id?: string;
  member_id?: string;
  version?: string;
  grid_label?: string;
  /** A directory before the DRS path, e.g. a model run's own directory. */
  dir?: string;
}

/** A data source over rows held in memory; keys in `failing` fail when fetched. */
export class MemorySource implements DataSource {
  readonly experimentColumns = {
    case: ['source_id', 'member_id'],
    pod: ['grid_label'],
    variable: ['version'],
  };
  readonly tieBreakers = [lowestEnsembleMember('member_id'), newestVersion('version')];
  rows: MemoryRow[] = [];
  failing = new Set<string>();
  readonly fetched: string[] = [];

  async query(entry: VarlistEntry): Promise<QueryResult> {
    const keys: DataKeyInit[] = this.rows
      .filter((r) => r.variable === entry.translation!.name)
      .map((r) => {
        const facets = {
          source_id: r.source_id ?? 'M1',
          member_id: r.member_id ?? 'r1i1p1f1',
          version: r.version ?? 'v1',
          grid_label: r.grid_label ?? 'gn',
        };
        const id = `${r.dir ? `${r.dir}/` : ''}${facets.source_id}/${facets.member_id}/${facets.grid_label}/${facets.version}/${r.variable}_${r.range ?? 'fx'}.nc`;
        const range = r.range ? parseTimeRange(r.range) : undefined;
        return { id, row: { ...facets, variable_id: r.variable }, start: range?.start, end: range?.end };
      });
    return { keys, description: `variable_id=${entry.translation!.name}` };
  }

  async fetch(key: DataKey): Promise<FetchResult> {
    this.fetched.push(key.id);
    if (this.failing.has(key.id)) throw new Error('connection reset');
    return { localPath: `/data/${key.id}`, bytes: 10, cached: false };
  }
}

/** A memory data source and the loop that drives it (`request.run`), with the services it records into. */
export function memorySource(translator: VariableTranslator = identityTranslator): {
  source: MemorySource;
  request: DataRequest;
  preprocessor: RecordingPreprocessor;
  logger: MemoryLogger;
} {
  const preprocessor = new RecordingPreprocessor();
  const logger = new MemoryLogger();
  const source = new MemorySource();
  return {
    source,
    request: new DataRequest(source, new DataSourceServices(translator, preprocessor, logger)),
    preprocessor,
    logger,
  };
}

/** A varlist entry spec with defaults; only what a test cares about needs saying. */
export function entry(name: string, extra: Partial<VarlistEntrySpec> = {}): VarlistEntrySpec {
  return {
    name,
    standard_name: name,
    dimensions: ['time', 'lat', 'lon'],
    frequency: 'mon',
    scalar_coordinates: {},
    requirement: 'required',
    alternates: [],
    use_exact_name: false,
    ...extra,
  };
}

/** A POD from its varlist. */
export function pod(name: string, varlist: VarlistEntrySpec[]): Pod {
  const settings: PodSettings = {
    name,
    file: `/pods/${name}/settings.jsonc`,
    podHome: `/pods/${name}`,
    settings: { driver: 'driver.sh', convention: 'cmip', pod_env_vars: {}, runtime_requirements: {} },
    dimensions: { time: {}, lat: {}, lon: {} },
    varlist,
    warnings: [],
  };
  return new Pod(settings);
}

/** Three five-year chunks 1980-1994 of a variable in one experiment. */
export function chunks(variable: string, facets: Omit<MemoryRow, 'variable' | 'range'> = {}): MemoryRow[] {
  return ['1980-1984', '1985-1989', '1990-1994'].map((range) => ({ variable, range, ...facets }));
}

export const CASE = { name: 'TEST', firstYear: 1985, lastYear: 1989, facets: {} };
export const OPTIONS = { workDir: '/work' };
