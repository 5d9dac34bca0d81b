/** The shapes shared between POD settings, the translator and the core. */
import type { DimensionSpec, PodSettingsSection, Requirement } from './podSettings.js';

export type { DimensionSpec, Requirement };

/** One `varlist` entry after `data` defaults are applied; keys as in MDTF's settings.jsonc. */
export interface VarlistEntrySpec {
  /** The key of the entry in `varlist` (the POD's own name for the variable). */
  name: string;
  standard_name: string;
  units?: string;
  dimensions: string[];
  frequency?: string;
  realm?: string;
  modifier?: string;
  /** Dimension name → coordinate value, e.g. `{ plev: 500 }`. */
  scalar_coordinates: Record<string, number>;
  requirement: Requirement;
  /** Alternate sets, each a list of varlist keys; a flat list in the file is one set. */
  alternates: string[][];
  use_exact_name: boolean;
  path_variable?: string;
  /**
   * Set on an alternate fairpod adds itself (a precipitation flux for a requested rate): the entry whose data it
   * provides under that entry's own name, since the POD knows only that name.
   */
  stands_for?: string;
}

/** A POD settings file, loaded and validated. */
export interface PodSettings {
  /** POD name: the file's directory name for `<pod>/settings.jsonc`, else the file's base name. */
  name: string;
  /** Absolute path of the settings file. */
  file: string;
  /** Directory holding the settings file and the driver (POD_HOME). */
  podHome: string;
  settings: PodSettingsSection;
  dimensions: Record<string, DimensionSpec>;
  varlist: VarlistEntrySpec[];
  /** Non-fatal findings (unknown keys with suggestions ...), already formatted with file:line:column. */
  warnings: string[];
}

/** What the translator needs to know about a requested variable. */
export interface TranslationRequest {
  name: string;
  standard_name: string;
  units?: string;
  modifier?: string;
  dimensions: string[];
  scalar_coordinates: Record<string, number>;
  use_exact_name: boolean;
  realm?: string;
}

/** A requested variable in a model's native convention. */
export interface Translation {
  convention: string;
  /** Native variable name to search for (e.g. `ta`, `T`, `ua850`). */
  name: string;
  /** Native units, when the fieldlist knows them. */
  units?: string;
  standard_name: string;
  /** Scalar coordinates still to extract from the native data (empty when a template like `ua{value}` applied). */
  scalar_coordinates: Record<string, number>;
  /** Native names of the variable's dimensions/coordinates where known. */
  coordinates?: Record<string, string>;
}
