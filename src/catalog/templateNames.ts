/**
 * Where the shipped DRS templates are and what they are called: no YAML parsing, so that `fairpod --help`
 * can list the names without loading the template engine (src/catalog/templates.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { CATALOGS_DIR } from '../paths.js';

/** The directory of the templates shipped with fairpod. */
export const TEMPLATES_DIR = path.join(CATALOGS_DIR, 'templates');

/** The names of the templates shipped with fairpod. */
export function listTemplates(): string[] {
  return fs.existsSync(TEMPLATES_DIR)
    ? fs
        .readdirSync(TEMPLATES_DIR)
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => f.replace(/\.ya?ml$/, ''))
        .sort()
    : [];
}
