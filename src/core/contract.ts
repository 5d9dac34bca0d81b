import type { VarlistEntrySpec } from '../settings/types.js';

/**
 * What a plugin ships in `plugins/<name>/contract.ts` (as `contractFixture`) so the contract test suite in
 * `test/plugins/` can run it for real: a tiny data source written into a temporary directory.
 */
export interface ContractFixture {
  /**
   * Writes the data source under `dir` and returns the plugin options to reach it. It must offer variable
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
