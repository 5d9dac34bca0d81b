import filesystem from './filesystem/index.js';
import http from './http/index.js';
import registry from './registry/index.js';

/** The data-source plugins shipped with fairpod, in the order `fairpod plugins` lists them. */
export const BUILTIN_PLUGINS = [filesystem, http, registry];
