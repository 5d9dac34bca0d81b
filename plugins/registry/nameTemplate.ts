import { ValidationError } from 'fairpod/plugin';

/** The default data product name template: CMIP6 DRS facets, with data product versions as `version`. */
export const DEFAULT_NAME_TEMPLATE =
  'cmip6/{source_id}/{experiment_id}/{member_id}/{table_id}/{variable_id}/{grid_label}';

/** A data product name template such as `cmip6/{source_id}/.../{variable_id}`, compiled. */
export interface NameTemplate {
  readonly text: string;
  /** The facets it names, in order. */
  readonly facets: readonly string[];
  /** The server-side name filter that lists every candidate (`cmip6/*`). */
  readonly glob: string;
  /** A name's facets, or undefined when the name does not follow the template. */
  parse(name: string): Record<string, string> | undefined;
}

/** Compiles a template: each `{facet}` matches one path segment part (no `/`). */
export function compileNameTemplate(text: string): NameTemplate {
  const facets: string[] = [];
  let pattern = '';
  let last = 0;
  for (const m of text.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
    pattern += escapeRegExp(text.slice(last, m.index));
    pattern += '([^/]+?)';
    facets.push(m[1]!);
    last = m.index + m[0].length;
  }
  pattern += escapeRegExp(text.slice(last));
  if (facets.length === 0 || /[{}]/.test(text.replace(/\{[A-Za-z_][A-Za-z0-9_]*\}/g, ''))) {
    throw new ValidationError(`name template "${text}" has no well-formed {facet}`, {
      location: { key: '--name-template' },
      hint: `e.g. --name-template '${DEFAULT_NAME_TEMPLATE}'`,
    });
  }
  if (new Set(facets).size !== facets.length || facets.includes('version')) {
    throw new ValidationError(`name template "${text}" repeats a facet or names "version"`, {
      location: { key: '--name-template' },
      hint: 'each facet appears once; the data product version is the version facet already',
    });
  }
  const regex = new RegExp(`^${pattern}$`);
  const prefix = text.slice(0, text.indexOf('{'));
  return {
    text,
    facets,
    glob: `${prefix}*`,
    parse(name) {
      const m = regex.exec(name);
      if (!m) return undefined;
      return Object.fromEntries(facets.map((f, i) => [f, m[i + 1]!]));
    },
  };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
