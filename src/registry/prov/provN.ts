import { FORMAL_ATTRIBUTES, groupAttributes, type ProvDocument, type ProvValue } from './document.js';

/** A string literal as python prov quotes it: `"` escaped, triple quotes when it spans lines. */
function quote(text: string): string {
  const escaped = text.replace(/"/g, '\\"');
  return escaped.includes('\n') ? `"""${escaped}"""` : `"${escaped}"`;
}

function provnValue(value: ProvValue): string {
  if (typeof value === 'string') return quote(value);
  if ('qname' in value) return `'${value.qname}'`;
  return `"${value.dateTime}" %% xsd:dateTime`;
}

/**
 * The document in PROV-N (https://www.w3.org/TR/prov-n/), line for line as python prov's `get_provn()` writes
 * it, which the FAIR registry answers for `?format=provn`: prefixes, a blank line, one record a line with `-`
 * for unset formal attributes. python prov is not on npm and no npm package writes PROV-N, hence by hand.
 */
export function toProvN(doc: ProvDocument): string {
  const lines = ['document', ...doc.namespaces.map(([prefix, uri]) => `prefix ${prefix} <${uri}>`)];
  if (doc.namespaces.length > 0) lines.push('');
  for (const record of doc.records) {
    const items = record.id === undefined ? [] : [record.id];
    for (const name of FORMAL_ATTRIBUTES[record.kind]) items.push(record.formal[name] ?? '-');
    const extra = groupAttributes(record).flatMap(([name, values]) =>
      values.map((v) => `${name}=${provnValue(v)}`),
    );
    if (extra.length > 0) items.push(`[${extra.join(', ')}]`);
    lines.push(`${record.kind}(${items.join(', ')})`);
  }
  return `${lines.join('\n  ')}\nendDocument`;
}
