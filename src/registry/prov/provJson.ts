import { FORMAL_ATTRIBUTES, groupAttributes, type ProvDocument, type ProvValue } from './document.js';

/** A PROV-JSON document (https://www.w3.org/submissions/prov-json/): `prefix`, then one section per record kind. */
export type ProvJson = Record<string, Record<string, unknown>>;

/** A value as PROV-JSON writes it: strings bare, qualified names and date-times as typed `{$, type}` objects. */
function jsonValue(value: ProvValue): unknown {
  if (typeof value === 'string') return value;
  if ('qname' in value) return { $: value.qname, type: 'prov:QUALIFIED_NAME' };
  return { $: value.dateTime, type: 'xsd:dateTime' };
}

/**
 * The document as python prov's PROV-JSON serialiser writes it (what the FAIR registry's prov-report answers by
 * default): sections in the order their first record was asserted, relations named `_:id1`, `_:id2`, ... in
 * assertion order, formal attributes first, an attribute with several values as a list.
 */
export function toProvJson(doc: ProvDocument): ProvJson {
  const out: ProvJson = { prefix: Object.fromEntries(doc.namespaces) };
  let anonymous = 0;
  for (const record of doc.records) {
    const body: Record<string, unknown> = {};
    for (const name of FORMAL_ATTRIBUTES[record.kind]) {
      if (record.formal[name] !== undefined) body[name] = record.formal[name];
    }
    for (const [name, values] of groupAttributes(record)) {
      body[name] = values.length === 1 ? jsonValue(values[0]!) : values.map(jsonValue);
    }
    (out[record.kind] ??= {})[record.id ?? `_:id${++anonymous}`] = body;
  }
  return out;
}
