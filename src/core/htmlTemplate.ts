import fs from 'node:fs/promises';
import path from 'node:path';
import { FairpodError } from './errors.js';
import type { Pod } from './pod.js';
import { caseEnvVars, type PodCase } from './podEnvironment.js';

/**
 * MDTF's `_DoubleBraceTemplate(...).safe_substitute(values)` (`util/filesystem.py`): `{{ NAME }}` (spaces
 * allowed, names of letters, digits, `_` and `-`, case-sensitive) becomes `values[NAME]`; unknown names are
 * left as written, and `{{{{` is an escaped `{{`. Written by hand: it is one regular expression.
 */
export function fillTemplate(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{(?:(\{\{)|\s*([a-zA-Z_][a-zA-Z0-9_-]*)\s*\}\})/g, (match, escaped, name) => {
    if (escaped !== undefined) return '{{';
    return Object.hasOwn(values, name as string) ? values[name as string]! : match;
  });
}

/**
 * MDTF 4.2's `html_templating_dict`: the variables the POD ran with (without the
 * inherited process environment, so nothing of the user's shell ends up in a page), `name`, `long_name`,
 * `description`, `convention`, `realm` from its settings, `driver` (the driver's full path), and last, as in
 * MDTF, the cases' (`caseTemplateValues`, so `convention` is the data's).
 */
export function templatingDict(
  pod: Pod,
  env: Record<string, string>,
  caseVars: Record<string, string>,
): Record<string, string> {
  const s = pod.settings.settings;
  const setting = (key: string) => {
    const value = s[key];
    return value === undefined ? '' : Array.isArray(value) ? value.join(', ') : String(value);
  };
  return {
    ...env,
    name: pod.name,
    long_name: setting('long_name'),
    description: setting('description'),
    convention: s.convention,
    realm: setting('realm'),
    driver: path.resolve(pod.settings.podHome, s.driver),
    ...caseVars,
  };
}

/**
 * The cases' part of `html_templating_dict`: a single case's variables; with several, `CASE_1`, `CASE_2` ...
 * naming the cases in order, then every case's variables, a later case's overwriting an earlier's (as in MDTF).
 */
export function caseTemplateValues(cases: PodCase[], workDir: string): Record<string, string> {
  const values: Record<string, string> = {};
  if (cases.length > 1) cases.forEach((c, i) => (values[`CASE_${i + 1}`] = c.caseSpec.name));
  for (const c of cases) Object.assign(values, caseEnvVars(c.pod, c.caseSpec, workDir));
  return values;
}

/** `<POD>.html` in POD_HOME: the POD's page template, which MDTF requires. */
export function podHtmlTemplate(pod: Pod): string {
  return path.join(pod.settings.podHome, `${pod.name}.html`);
}

/**
 * MDTF's `make_pod_html`: every `.html` file below POD_HOME (PODs can have sub-pages) is filled with `values`
 * and written at the same relative path below `podWork`. Returns the POD's page, `<podWork>/<POD>.html`.
 * A POD without `<POD>.html` is an error, as in MDTF.
 */
export async function writePodHtml(
  pod: Pod,
  podWork: string,
  values: Record<string, string>,
): Promise<string> {
  const template = podHtmlTemplate(pod);
  try {
    await fs.access(template);
  } catch {
    throw new FairpodError(`POD ${pod.name} has no HTML template ${template}`, {
      location: { file: template },
      hint: `MDTF PODs ship their results page as ${pod.name}.html beside settings.jsonc, linking their figures (e.g. <a href=model/plot.png>)`,
    });
  }
  const home = pod.settings.podHome;
  const entries = await fs.readdir(home, { withFileTypes: true, recursive: true });
  for (const e of entries) {
    if (!e.isFile() || !e.name.toLowerCase().endsWith('.html')) continue;
    const source = path.join(e.parentPath, e.name);
    const dest = path.join(podWork, path.relative(home, source));
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await fs.writeFile(dest, fillTemplate(await fs.readFile(source, 'utf8'), values));
  }
  return path.join(podWork, `${pod.name}.html`);
}
