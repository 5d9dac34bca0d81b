import {
  PROV_NAMESPACE,
  XSD_NAMESPACE,
  type ProvDocument,
  type ProvRecord,
  type ProvValue,
} from './document.js';

type Node = Record<string, unknown>;

/** The PROV-O class of each element kind. */
const CLASSES: Record<string, string> = {
  entity: 'prov:Entity',
  activity: 'prov:Activity',
  agent: 'prov:Agent',
};

/**
 * Each relation as PROV-O states it (https://www.w3.org/TR/prov-o/): the formal attribute that is its subject,
 * the one that is its object, and, when it has a role or a time, its qualified form's property, class and the
 * property naming the object inside it.
 */
const RELATIONS: Record<
  string,
  { subject: string; object: string; property: string; qualified?: [string, string, string] }
> = {
  wasGeneratedBy: {
    subject: 'prov:entity',
    object: 'prov:activity',
    property: 'prov:wasGeneratedBy',
    qualified: ['prov:qualifiedGeneration', 'prov:Generation', 'prov:activity'],
  },
  used: {
    subject: 'prov:activity',
    object: 'prov:entity',
    property: 'prov:used',
    qualified: ['prov:qualifiedUsage', 'prov:Usage', 'prov:entity'],
  },
  wasStartedBy: {
    subject: 'prov:activity',
    object: 'prov:trigger',
    property: 'prov:wasStartedBy',
    qualified: ['prov:qualifiedStart', 'prov:Start', 'prov:entity'],
  },
  wasAttributedTo: {
    subject: 'prov:entity',
    object: 'prov:agent',
    property: 'prov:wasAttributedTo',
    qualified: ['prov:qualifiedAttribution', 'prov:Attribution', 'prov:agent'],
  },
  wasDerivedFrom: {
    subject: 'prov:generatedEntity',
    object: 'prov:usedEntity',
    property: 'prov:wasDerivedFrom',
  },
  specializationOf: {
    subject: 'prov:specificEntity',
    object: 'prov:generalEntity',
    property: 'prov:specializationOf',
  },
};

function literal(value: ProvValue): unknown {
  if (typeof value === 'string') return value;
  if ('qname' in value) return { '@id': value.qname };
  return { '@type': 'xsd:dateTime', '@value': value.dateTime };
}

/** Adds `value` to `node[key]`, making a list when the key already has a value. */
function add(node: Node, key: string, value: unknown): void {
  const had = node[key];
  node[key] = had === undefined ? value : Array.isArray(had) ? [...(had as unknown[]), value] : [had, value];
}

/** An element's attributes on its node: `rdf:type` values join `@type`, the rest become properties. */
function addAttributes(node: Node, record: ProvRecord): void {
  for (const [name, value] of record.attributes) {
    if (name === 'rdf:type' && typeof value === 'object' && 'qname' in value) add(node, '@type', value.qname);
    else add(node, name, literal(value));
  }
}

/**
 * The document as JSON-LD of its PROV-O graph, as the FAIR registry answers `?format=json-ld` (it maps the
 * document to RDF with python prov and writes that with rdflib): one node per element with its PROV-O class,
 * `rdf:type` values and attributes; each relation as its PROV-O property on the subject, and, when it has a
 * role or time, as an embedded qualified node (`prov:qualifiedUsage` and so on). The context declares the
 * document's prefixes with `prov` and `xsd`. No npm package maps PROV to PROV-O, hence by hand; JSON-LD is
 * plain JSON, so no library is needed to write it.
 */
export function toProvJsonLd(doc: ProvDocument): Node {
  const nodes = new Map<string, Node>();
  const node = (id: string): Node => {
    let n = nodes.get(id);
    if (!n) nodes.set(id, (n = { '@id': doc.expand(id) }));
    return n;
  };
  for (const record of doc.records) {
    if (record.id !== undefined) {
      const n = node(record.id);
      add(n, '@type', CLASSES[record.kind]);
      if (record.formal['prov:startTime'])
        add(n, 'prov:startedAtTime', literal({ dateTime: record.formal['prov:startTime'] }));
      if (record.formal['prov:endTime'])
        add(n, 'prov:endedAtTime', literal({ dateTime: record.formal['prov:endTime'] }));
      addAttributes(n, record);
      continue;
    }
    const spec = RELATIONS[record.kind]!;
    const subject = node(record.formal[spec.subject]!);
    const object = record.formal[spec.object];
    if (object !== undefined) add(subject, spec.property, { '@id': doc.expand(object) });
    const time = record.formal['prov:time'];
    if (spec.qualified && (record.attributes.length > 0 || time !== undefined)) {
      const [property, cls, target] = spec.qualified;
      const qualified: Node = { '@type': cls };
      if (object !== undefined) qualified[target] = { '@id': doc.expand(object) };
      if (time !== undefined) qualified['prov:atTime'] = literal({ dateTime: time });
      for (const [name, value] of record.attributes) {
        add(qualified, name === 'prov:role' ? 'prov:hadRole' : name, literal(value));
      }
      add(subject, property, qualified);
    }
  }
  return {
    '@context': { ...Object.fromEntries(doc.namespaces), prov: PROV_NAMESPACE, xsd: XSD_NAMESPACE },
    '@graph': [...nodes.values()],
  };
}
