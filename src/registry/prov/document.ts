/**
 * An in-memory W3C PROV document, modelled on the python `prov` library's ProvDocument (the one the FAIR data
 * registry's data_management/prov.py fills): namespaces in the order they were added, records (elements and
 * relations) in the order they were asserted, each record's attributes in the order they were set. The
 * serialisers beside this file write it as that library writes PROV-JSON, PROV-N, PROV-XML and (via PROV-O)
 * JSON-LD. No npm package models PROV (none on the registry is a PROV library), so this is written by hand.
 */

/** An attribute value: a string literal, a qualified name (`prefix:local`), or an xsd:dateTime. */
export type ProvValue = string | { qname: string } | { dateTime: string };

/** The record kinds the FAIR registry's PROV report uses. */
export type ProvKind =
  | 'entity'
  | 'activity'
  | 'agent'
  | 'wasGeneratedBy'
  | 'used'
  | 'wasStartedBy'
  | 'wasAttributedTo'
  | 'wasDerivedFrom'
  | 'specializationOf';

/** Each kind's formal attributes in PROV-N's positional order (python prov's FORMAL_ATTRIBUTES). */
export const FORMAL_ATTRIBUTES: Record<ProvKind, readonly string[]> = {
  entity: [],
  agent: [],
  activity: ['prov:startTime', 'prov:endTime'],
  wasGeneratedBy: ['prov:entity', 'prov:activity', 'prov:time'],
  used: ['prov:activity', 'prov:entity', 'prov:time'],
  wasStartedBy: ['prov:activity', 'prov:trigger', 'prov:starter', 'prov:time'],
  wasAttributedTo: ['prov:entity', 'prov:agent'],
  wasDerivedFrom: [
    'prov:generatedEntity',
    'prov:usedEntity',
    'prov:activity',
    'prov:generation',
    'prov:usage',
  ],
  specializationOf: ['prov:specificEntity', 'prov:generalEntity'],
};

/** Formal attributes holding a time; every other formal attribute names a record. */
export const TIME_ATTRIBUTES: ReadonlySet<string> = new Set(['prov:startTime', 'prov:endTime', 'prov:time']);

/** PROV's own namespace and XML Schema's, which every document has without declaring them. */
export const PROV_NAMESPACE = 'http://www.w3.org/ns/prov#';
export const XSD_NAMESPACE = 'http://www.w3.org/2001/XMLSchema#';

/** One element (with an id) or relation (anonymous here, as the FAIR registry asserts them). */
export interface ProvRecord {
  kind: ProvKind;
  id?: string;
  /** Formal attributes that are set: qualified names of records, or times (python isoformat). */
  formal: Record<string, string>;
  /** The other attributes, in the order set; a name may repeat with different values. */
  attributes: Array<[string, ProvValue]>;
}

/** An attribute list as callers write it: pairs whose value is null or undefined are left out, as python prov does. */
export type AttributeInput = Array<[string, ProvValue | null | undefined]>;

const isElement = (kind: ProvKind): boolean => kind === 'entity' || kind === 'activity' || kind === 'agent';

/** A PROV document: namespaces and records. */
export class ProvDocument {
  readonly namespaces: Array<[prefix: string, uri: string]> = [];
  readonly records: ProvRecord[] = [];
  private readonly elements = new Map<string, ProvRecord>();

  /** Declares `prefix` for `uri`. */
  addNamespace(prefix: string, uri: string): void {
    this.namespaces.push([prefix, uri]);
  }

  /** The URI a qualified name stands for (`prov:` and `xsd:` included). */
  expand(qname: string): string {
    const at = qname.indexOf(':');
    const prefix = qname.slice(0, at);
    const uri =
      prefix === 'prov'
        ? PROV_NAMESPACE
        : prefix === 'xsd'
          ? XSD_NAMESPACE
          : this.namespaces.find(([p]) => p === prefix)?.[1];
    if (uri === undefined) throw new Error(`PROV document: undeclared prefix in ${qname}`);
    return uri + qname.slice(at + 1);
  }

  /** Whether an element with this id is in the document. */
  has(id: string): boolean {
    return this.elements.has(id);
  }

  /**
   * Adds an element unless one with `id` is already there (the registry looks its agents and data products up
   * before adding them; fairpod does so for every element, so a shared code repo is one entity, not two).
   */
  element(
    kind: 'entity' | 'activity' | 'agent',
    id: string,
    attributes: AttributeInput,
    formal: Record<string, string> = {},
  ): string {
    if (!this.elements.has(id)) {
      const record: ProvRecord = { kind, id, formal, attributes: cleanAttributes(attributes) };
      this.elements.set(id, record);
      this.records.push(record);
    }
    return id;
  }

  /** Asserts a relation; `formal` names its records (and time) by formal attribute. */
  relation(
    kind: ProvKind,
    formal: Record<string, string | undefined>,
    attributes: AttributeInput = [],
  ): void {
    if (isElement(kind)) throw new Error(`PROV document: ${kind} is not a relation`);
    const set = Object.fromEntries(
      Object.entries(formal).filter((e): e is [string, string] => e[1] !== undefined),
    );
    this.records.push({ kind, formal: set, attributes: cleanAttributes(attributes) });
  }
}

/** Drops unset values and exact repeats (python prov keeps an attribute's values as a set). */
function cleanAttributes(input: AttributeInput): Array<[string, ProvValue]> {
  const out: Array<[string, ProvValue]> = [];
  const seen = new Set<string>();
  for (const [name, value] of input) {
    if (value === null || value === undefined) continue;
    const key = JSON.stringify([name, value]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push([name, value]);
  }
  return out;
}

/** The attributes grouped by name, names in first-set order (python prov's `_attributes` dict of sets). */
export function groupAttributes(record: ProvRecord): Array<[string, ProvValue[]]> {
  const groups = new Map<string, ProvValue[]>();
  for (const [name, value] of record.attributes) {
    const list = groups.get(name) ?? [];
    list.push(value);
    groups.set(name, list);
  }
  return [...groups];
}

/**
 * A date-time as python's `datetime.isoformat()` writes a UTC one (`2024-05-01T10:00:00+00:00`, microseconds
 * only when not zero), which is how the registry's PROV report shows its Django date-times. Unparseable text
 * is returned as it is.
 */
export function pythonIsoformat(value: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const iso = date.toISOString();
  const ms = iso.slice(20, 23);
  return `${iso.slice(0, 19)}${ms === '000' ? '' : `.${ms}000`}+00:00`;
}
