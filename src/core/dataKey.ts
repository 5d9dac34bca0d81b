import type { CatalogRow } from '../catalog/types.js';
import type { CatalogDate } from '../catalog/dates.js';

/**
 * A key that is a data product of a FAIR data registry: what a run reading it records as its input (the
 * data product's object, as a read of a local data product is recorded), not the bare file it was read from.
 */
export interface RegistryProductRef {
  namespace: string;
  name: string;
  version: string;
  /** The uuid of the data product's object in the registry (kept, so lineage joins across registries). */
  objectUuid: string;
  /** Where the registry says the file lives: its storage root URL, the path below it, its SHA-1. */
  root: string;
  path: string;
  hash: string;
}

/** What a plugin's query returns for one candidate: usually one catalog row (one file). */
export interface DataKeyInit {
  /** Unique within the data source: a path or URL. Keys with the same id are the same data. */
  id: string;
  /** The row's facets (columns); experiment columns are read from here. */
  row: CatalogRow;
  start?: CatalogDate;
  end?: CatalogDate;
  /** Size in bytes when the source knows it. */
  size?: number;
  /** Set by sources whose keys are registry data products (the `registry` data manager). */
  dataProduct?: RegistryProductRef;
}

/** A unit of data found by a query, shared by every variable that found it. */
export interface DataKey extends DataKeyInit {
  /** Set when fetching or reading the key failed; the key is then dropped from every variable. */
  failure?: string;
  /** The local file once fetched. */
  localPath?: string;
  /** Bytes moved (0 when already local or cached). */
  bytesFetched?: number;
  /** True when the fetch found the data already in place. */
  cached?: boolean;
}

/** Thrown by a plugin's fetch or by a preprocessing step to fail one data key (not just one variable). */
export class DataKeyError extends Error {
  constructor(
    readonly keyId: string,
    message: string,
  ) {
    super(message);
    this.name = 'DataKeyError';
  }
}

/** The value of a facet as a string (list-valued columns joined), '' when absent. */
export function facetValue(row: CatalogRow, column: string): string {
  const v = row[column];
  if (v === undefined) return '';
  return Array.isArray(v) ? v.join(',') : v;
}
