import type { ProvDocument } from './document.js';
import { toProvJson } from './provJson.js';
import { toProvJsonLd } from './provJsonLd.js';
import { toProvN } from './provN.js';
import { toProvXml } from './provXml.js';

/** A serialisation of a PROV document: its `?format=` name, media type, Content-Type and writer. */
export interface ProvFormat {
  name: string;
  mediaType: string;
  contentType: string;
  write(doc: ProvDocument): string;
}

/**
 * The formats fairpod writes, with the media types and Content-Types of the FAIR registry's renderers
 * (data_management/rest/views.py: JSONRenderer, JSONLDRenderer, XMLRenderer, ProvnRenderer). Its `jpg` and
 * `svg` need Graphviz and are not here.
 */
export const PROV_FORMATS: readonly ProvFormat[] = [
  {
    name: 'json',
    mediaType: 'application/json',
    contentType: 'application/json',
    write: (doc) => JSON.stringify(toProvJson(doc)),
  },
  {
    name: 'json-ld',
    mediaType: 'application/ld+json',
    contentType: 'application/ld+json; charset=utf8',
    write: (doc) => JSON.stringify(toProvJsonLd(doc), null, 4),
  },
  { name: 'xml', mediaType: 'text/xml', contentType: 'text/xml; charset=utf8', write: toProvXml },
  {
    name: 'provn',
    mediaType: 'text/provenance-notation',
    contentType: 'text/provenance-notation; charset=utf8',
    write: toProvN,
  },
];

/**
 * The format a request asks for: `?format=` if given (undefined when no format has that name), else the first
 * media type of `Accept` that one serves, else PROV-JSON (as Django REST framework negotiates).
 */
export function chooseProvFormat(
  format: string | undefined,
  accept: string | undefined,
): ProvFormat | undefined {
  if (format !== undefined) return PROV_FORMATS.find((f) => f.name === format);
  for (const part of (accept ?? '').split(',')) {
    const type = part.split(';')[0]!.trim().toLowerCase();
    const match = PROV_FORMATS.find((f) => f.mediaType === type);
    if (match) return match;
  }
  return PROV_FORMATS[0];
}
