import { XMLBuilder } from 'fast-xml-parser';
import {
  FORMAL_ATTRIBUTES,
  PROV_NAMESPACE,
  TIME_ATTRIBUTES,
  type ProvDocument,
  type ProvValue,
} from './document.js';

/** PROV-XML's fixed order after the formal attributes (python prov's `sorted_attributes`). */
const FIXED_ORDER = ['prov:label', 'prov:location', 'prov:role', 'prov:type', 'prov:value'];

type Node = Record<string, unknown>;

const text = (value: ProvValue): string =>
  typeof value === 'string' ? value : 'qname' in value ? value.qname : value.dateTime;

/** One attribute's child element, typed as python prov types it (`xsd:QName`, `xsd:dateTime`, or none). */
function attributeNode(name: string, value: ProvValue): Node {
  let type: string | undefined;
  if (typeof value !== 'string') {
    if ('qname' in value) type = 'xsd:QName';
    else if (!(name.startsWith('prov:') && name.toLowerCase().includes('time'))) type = 'xsd:dateTime';
  }
  return { [name]: [{ '#text': text(value) }], ...(type ? { ':@': { '@xsi:type': type } } : {}) };
}

const byNameThenText = (a: [string, ProvValue], b: [string, ProvValue]): number =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : text(a[1]) < text(b[1]) ? -1 : text(a[1]) > text(b[1]) ? 1 : 0;

/**
 * The document in PROV-XML (https://www.w3.org/TR/prov-xml/) as python prov writes it for the FAIR registry's
 * `?format=xml`: an ASCII document, records in assertion order, formal attributes first (records by
 * `prov:ref`), then the others sorted by name and value. The XML itself is built by fast-xml-parser; the PROV
 * mapping is by hand because no npm package writes PROV-XML.
 */
export function toProvXml(doc: ProvDocument): string {
  const records: Node[] = doc.records.map((record) => {
    const children: Node[] = [];
    for (const name of FORMAL_ATTRIBUTES[record.kind]) {
      const value = record.formal[name];
      if (value === undefined) continue;
      children.push(
        TIME_ATTRIBUTES.has(name)
          ? { [name]: [{ '#text': value }] }
          : { [name]: [], ':@': { '@prov:ref': value } },
      );
    }
    const rest = [...record.attributes];
    for (const name of FIXED_ORDER) {
      const these = rest.filter(([n]) => n === name).sort(byNameThenText);
      children.push(...these.map(([n, v]) => attributeNode(n, v)));
    }
    rest
      .filter(([n]) => !FIXED_ORDER.includes(n))
      .sort(byNameThenText)
      .forEach(([n, v]) => children.push(attributeNode(n, v)));
    return {
      [`prov:${record.kind}`]: children,
      ...(record.id === undefined ? {} : { ':@': { '@prov:id': record.id } }),
    };
  });
  const namespaces = {
    ...Object.fromEntries(doc.namespaces.map(([prefix, uri]) => [`@xmlns:${prefix}`, uri])),
    '@xmlns:prov': PROV_NAMESPACE,
    // PROV-XML's XSD namespace has no trailing '#', unlike every other PROV serialisation.
    '@xmlns:xsd': 'http://www.w3.org/2001/XMLSchema',
    '@xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
  };
  const builder = new XMLBuilder({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    format: true,
    indentBy: '  ',
    suppressEmptyNode: true,
  });
  const body = (builder.build([{ 'prov:document': records, ':@': namespaces }]) as string).trim();
  // encoding='ASCII' as lxml writes it: every other character as a character reference.
  const ascii = body.replace(/[^ -~\t\n\r]/gu, (c) => `&#${c.codePointAt(0)};`);
  return `<?xml version='1.0' encoding='ASCII'?>\n${ascii}\n`;
}
