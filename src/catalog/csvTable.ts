/**
 * CSV cells of an ESM catalog: splitting a quoted record, formatting fields, and list-valued cells. The table
 * reader (tableReader.ts) takes the quote-free fast path itself and hands quoted records to `splitQuotedLine`.
 */

/** Splits one CSV record that contains quotes; undefined when a quoted field is still open at the end. */
export function splitQuotedLine(text: string): string[] | undefined {
  const fields: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    if (text.charCodeAt(i) === 34 /* " */) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q === -1) return undefined;
        value += text.slice(j, q);
        if (text.charCodeAt(q + 1) === 34) {
          value += '"';
          j = q + 2;
          continue;
        }
        j = q + 1;
        break;
      }
      // Anything between the closing quote and the next comma is kept, as lenient readers do.
      const comma = text.indexOf(',', j);
      fields.push(comma === -1 ? value + text.slice(j) : value + text.slice(j, comma));
      if (comma === -1) return fields;
      i = comma + 1;
    } else {
      const comma = text.indexOf(',', i);
      if (comma === -1) {
        fields.push(text.slice(i));
        return fields;
      }
      fields.push(text.slice(i, comma));
      i = comma + 1;
    }
    if (i === n) {
      fields.push('');
      return fields;
    }
  }
}

/** One CSV field, quoted only when it must be. */
export function formatCsvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Parses a list-valued cell: `['a', 'b']` (Python literal, as intake-esm writes them), `("a",)` or a JSON list. */
export function parseListValue(cell: string): string[] | undefined {
  const text = cell.trim();
  const open = text[0];
  const close = text[text.length - 1];
  if (!((open === '[' && close === ']') || (open === '(' && close === ')'))) return undefined;
  const body = text.slice(1, -1).trim();
  if (body === '') return [];
  const items: string[] = [];
  // A quoted string (either quote, backslash escapes) or a bare token (numbers, None), then a comma or the end.
  const item = /\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([^,'"\s][^,]*?))\s*(,|$)/y;
  let pos = 0;
  while (pos < body.length) {
    item.lastIndex = pos;
    const m = item.exec(body);
    if (!m) return undefined;
    const quoted = m[1] ?? m[2];
    items.push(quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : m[3]);
    pos = item.lastIndex;
    if (m[4] === '') break;
  }
  return items;
}

/** Writes a list the way intake-esm does (`['a', 'b']`), so that intake-esm reads it back as a list. */
export function formatListValue(items: string[]): string {
  return `[${items.map((s) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`).join(', ')}]`;
}
