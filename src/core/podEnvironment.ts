import path from 'node:path';
import type { CaseSpec } from './dataSource.js';
import { podDataPath } from './placeFiles.js';
import type { Pod } from './pod.js';
import type { VarlistEntry } from './varlist.js';

/** Where one POD's run happens and what it is given besides its data. */
export interface PodPaths {
  /** `<work>/<POD>`: MDTF's POD_WORK_DIR (WORK_DIR, DATADIR, WK_DIR). */
  podWork: string;
  /** `<obs root>/<POD>` (MDTF's POD_OBS_DATA); undefined without `--obs-data-root`. */
  obsData?: string;
  /** `<podWork>/case_info.yml`. */
  caseEnvFile: string;
  /** `<podWork>/MDTF_postprocessed_data.json`: the ESM catalog of the POD's preprocessed files. */
  catalogFile: string;
}

/** The paths of a POD's run below `workDir`, with its obs data below `obsDataRoot` when given. */
export function podPaths(pod: Pod, workDir: string, obsDataRoot?: string): PodPaths {
  const podWork = path.join(workDir, pod.name);
  return {
    podWork,
    obsData: obsDataRoot === undefined ? undefined : path.join(path.resolve(obsDataRoot), pod.name),
    caseEnvFile: path.join(podWork, 'case_info.yml'),
    catalogFile: path.join(podWork, 'MDTF_postprocessed_data.json'),
  };
}

/** `YYYYMMDD` of the case's first and last day, as MDTF's case list gives `startdate` and `enddate`. */
export function caseDates(caseSpec: CaseSpec): { startdate: string; enddate: string } {
  const year = (y: number) => String(y).padStart(4, '0');
  return { startdate: `${year(caseSpec.firstYear)}0101`, enddate: `${year(caseSpec.lastYear)}1231` };
}

/** The file an entry has, or (MDTF sets it for entries without data too) the one it would have had. */
export function entryFile(entry: VarlistEntry, caseSpec: CaseSpec, workDir: string): string {
  return (
    entry.outputPath ??
    podDataPath(entry, {
      caseName: caseSpec.name,
      firstYear: caseSpec.firstYear,
      lastYear: caseSpec.lastYear,
      workDir,
    })
  );
}

/** Entries the POD was not given data for: unused alternates, entries replaced by alternates, failed optionals. */
export function entriesWithoutData(pod: Pod): VarlistEntry[] {
  return pod.varlist.filter((v) => v.outputPath === undefined);
}

/**
 * One case's variables as MDTF 4.2 defines them (`data_sources.py`, `varlist_util.set_env_vars`), the
 * `CASE_LIST` entry of `case_info.yml`: CASENAME, startdate, enddate, convention, and for EVERY varlist entry
 * `<var>_var` (its name in the file) and its `path_variable` (default `<VAR>_FILE`); entries without data get
 * the path they would have had, which does not exist (PODs test `os.path.isfile($TA_FILE)` to pick a branch),
 * and their native name. Plus `realm`, each dimension's `<dim>_coord`, and fairpod's FIRSTYR and LASTYR.
 */
export function caseEnvVars(pod: Pod, caseSpec: CaseSpec, workDir: string): Record<string, string> {
  const env: Record<string, string> = {
    CASENAME: caseSpec.name,
    ...caseDates(caseSpec),
    // The convention of the case's data (MDTF's case `convention`), else the POD's own.
    convention: (caseSpec.convention ?? pod.convention).toUpperCase(),
    FIRSTYR: String(caseSpec.firstYear),
    LASTYR: String(caseSpec.lastYear),
  };
  // Entries with data last, so that `realm` (one per case in MDTF's env) is that of a variable the POD got.
  const withData = pod.varlist.filter((v) => v.outputPath !== undefined);
  for (const v of [...entriesWithoutData(pod), ...withData]) {
    // Under the name the POD reads it by: an entry standing in for another (a flux for a rate) takes its name.
    env[`${v.placedName}_var`] = v.outputVariable ?? v.translation?.name ?? v.name;
    env[v.spec.path_variable ?? `${v.placedName.toUpperCase()}_FILE`] = entryFile(v, caseSpec, workDir);
    if (v.spec.realm !== undefined) env.realm = v.spec.realm;
  }
  for (const [dim, spec] of Object.entries(pod.settings.dimensions)) {
    env[`${dim}_coord`] = typeof spec.name === 'string' ? spec.name : dim;
  }
  return env;
}

/** One case of a POD's run: the case and the POD as that case's data request left it. */
export interface PodCase {
  caseSpec: CaseSpec;
  pod: Pod;
}

/**
 * The environment MDTF 4.2's runtime gives a POD (`environment_manager.py`, `pod_setup.py`), without the
 * inherited process environment: with ONE case the case's variables (`caseEnvVars`: MDTF appends them "for
 * backwards compatibility with single-run PODs"); with several none of them (no CASENAME, startdate, enddate,
 * `<VAR>_FILE` ...: the POD reads each case's from `case_env_file`). Then RGB (MDTF's `<CODE_ROOT>/shared/rgb`,
 * here two levels above POD_HOME as in an MDTF checkout), MPLBACKEND=Agg, the POD's `pod_env_vars`, then
 * POD_HOME, OBS_DATA, WORK_DIR, DATADIR, case_env_file and CATALOG_FILE (which MDTF sets last, so a POD cannot
 * override them), and fairpod's WK_DIR (MDTF 3's name for WORK_DIR).
 */
export function podEnvironment(cases: PodCase[], workDir: string, paths: PodPaths): Record<string, string> {
  const { pod } = cases[0]!;
  const home = pod.settings.podHome;
  return {
    ...(cases.length === 1 ? caseEnvVars(pod, cases[0]!.caseSpec, workDir) : {}),
    RGB: path.resolve(home, '..', '..', 'shared', 'rgb'),
    MPLBACKEND: 'Agg',
    ...pod.settings.settings.pod_env_vars,
    POD_HOME: home,
    ...(paths.obsData === undefined ? {} : { OBS_DATA: paths.obsData }),
    WORK_DIR: paths.podWork,
    DATADIR: paths.podWork,
    WK_DIR: paths.podWork,
    case_env_file: paths.caseEnvFile,
    CATALOG_FILE: paths.catalogFile,
  };
}
