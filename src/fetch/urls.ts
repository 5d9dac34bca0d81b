import path from 'node:path';
import { ValidationError } from '../core/errors.js';

/** Where a downloaded URL goes in the store: `<namespace>/<name>/<sha1>.<ext>`. */
export interface StoreName {
  /** The server, e.g. `data.example.org` or `127.0.0.1_8080`. */
  host: string;
  /** The URL's path without its extension, e.g. `CMIP6/CMIP/tas_Amon_200001-200912`. */
  name: string;
  ext: string;
}

/**
 * Parses a download URL and refuses one that could name a file outside the store: only http(s), and no
 * `.`/`..` segment, backslash, NUL or encoded `/` in its path, whatever its encoding (the WHATWG parser
 * would silently drop `..`, so the raw text is checked before parsing).
 */
export function checkUrl(raw: string, where: { file?: string; key?: string } = {}): URL {
  const refuse = (why: string): never => {
    throw new ValidationError(`refusing URL ${redactUrl(raw)}: ${why}`, {
      location: where,
      hint: 'give an http(s) URL whose path stays below the server root (no "..", no encoded "/" or "\\")',
    });
  };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') refuse(`unsupported scheme ${url.protocol}`);
  const rawPath = raw.replace(/^[a-z]+:\/\/[^/]*/i, '').replace(/[?#].*$/, '');
  for (const segment of rawPath.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return refuse('badly encoded path');
    }
    if (decoded === '.' || decoded === '..') refuse('its path contains ".."');
    if (/[\\/\0]/.test(decoded)) refuse('its path encodes "/", "\\" or NUL');
  }
  return url;
}

/** The store location of a URL: host (port joined by `_`), decoded path without extension, extension. */
export function storeNameForUrl(url: URL): StoreName {
  const segments = url.pathname
    .split('/')
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));
  if (segments.length === 0) {
    throw new ValidationError(`URL ${redactUrl(url.href)} names no file`, {
      location: { file: redactUrl(url.href) },
      hint: 'point the URL at a file, not a server root',
    });
  }
  const file = segments.pop()!;
  const ext = path.extname(file).slice(1);
  const base = ext ? file.slice(0, -(ext.length + 1)) : file;
  // The store refuses hidden segments; a leading '.' is kept visible but harmless as '_'.
  const safe = (s: string): string => s.replace(/^\./, '_');
  return {
    host: url.port ? `${url.hostname}_${url.port}` : url.hostname,
    name: [...segments, base].map(safe).join('/'),
    ext: /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(ext) ? ext : '',
  };
}

/** A URL safe to print: user name and password removed. */
export function redactUrl(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}
