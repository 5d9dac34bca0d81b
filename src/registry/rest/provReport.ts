import type { Registry, RowId } from '../registry.js';
import { HttpError, rowUrl } from './httpError.js';

/** A W3C PROV-JSON document (https://www.w3.org/submissions/prov-json/). */
export interface ProvDocument {
  prefix: Record<string, string>;
  entity: Record<string, Record<string, unknown>>;
  activity: Record<string, Record<string, unknown>>;
  used: Record<string, Record<string, unknown>>;
  wasGeneratedBy: Record<string, Record<string, unknown>>;
  wasDerivedFrom: Record<string, Record<string, unknown>>;
  specializationOf: Record<string, Record<string, unknown>>;
}

type Row = Record<string, unknown>;
type Id = number;

/**
 * The lineage of one data product as PROV-JSON: the data product and its object and storage location as
 * entities, each code run that wrote it as an activity with `used` for every input (named by its data
 * product when it has one), `wasGeneratedBy`, and `wasDerivedFrom` from the product to each input.
 * Identifiers are the resources' own API URLs under the `api:` prefix.
 */
export async function provReport(
  registry: Registry,
  dataProductId: RowId,
  base: string,
): Promise<ProvDocument> {
  const db = registry.knex;
  const product = (await db('data_product as d')
    .join('namespace as n', 'n.id', 'd.namespace_id')
    .where('d.id', dataProductId)
    .first('d.*', 'n.name as namespace')) as Row | undefined;
  if (!product) throw new HttpError(404, { detail: 'Not found.' });

  const doc: ProvDocument = {
    prefix: {
      api: `${base}/api/`,
      fair: 'https://data.fairdatapipeline.org/vocab/#',
      dcat: 'http://www.w3.org/ns/dcat#',
    },
    entity: {},
    activity: {},
    used: {},
    wasGeneratedBy: {},
    wasDerivedFrom: {},
    specializationOf: {},
  };
  const ref = (table: string, id: unknown): string => `api:${table}/${id}`;
  let n = 0;
  const relation = (kind: keyof ProvDocument, body: Record<string, unknown>): void => {
    (doc[kind] as Record<string, unknown>)[`_:${kind}${++n}`] = body;
  };

  /** Adds a data product (or a bare object) with its object and storage location; returns its PROV id. */
  const addObject = async (objectId: Id, dp?: Row): Promise<string> => {
    const object = (await db('object').where('id', objectId).first()) as Row;
    const objectRef = ref('object', objectId);
    doc.entity[objectRef] = {
      'prov:type': 'fair:object',
      'fair:uuid': object.uuid,
      'fair:description': object.description,
    };
    if (object.storage_location_id) {
      const loc = (await db('storage_location as l')
        .join('storage_root as r', 'r.id', 'l.storage_root_id')
        .where('l.id', object.storage_location_id as Id)
        .first('l.path', 'l.hash', 'r.root')) as Row;
      const locRef = ref('storage_location', object.storage_location_id);
      doc.entity[locRef] = {
        'prov:type': 'fair:storage_location',
        'prov:atLocation': `${loc.root}${loc.path}`,
        'fair:hash': loc.hash,
      };
      doc.entity[objectRef]!['prov:atLocation'] = `${loc.root}${loc.path}`;
      relation('specializationOf', { 'prov:specificEntity': locRef, 'prov:generalEntity': objectRef });
    }
    if (!dp) return objectRef;
    const dpRef = ref('data_product', dp.id);
    doc.entity[dpRef] = {
      'prov:type': 'dcat:Dataset',
      'prov:label': `${dp.namespace}:${dp.name}@v${dp.version}`,
      'fair:namespace': dp.namespace,
      'fair:name': dp.name,
      'fair:version': dp.version,
      'fair:url': rowUrl(base, 'data_product', dp.id as number),
    };
    relation('specializationOf', { 'prov:specificEntity': dpRef, 'prov:generalEntity': objectRef });
    return dpRef;
  };

  const productRef = await addObject(product.object_id as Id, product);
  const runs = (await db('code_run_outputs as o')
    .join('object_component as c', 'c.id', 'o.object_component_id')
    .join('code_run as r', 'r.id', 'o.code_run_id')
    .where('c.object_id', product.object_id as Id)
    .distinct('r.id', 'r.run_date', 'r.finished_at', 'r.description', 'r.uuid', 'r.status')
    .orderBy('r.id')) as Row[];
  for (const run of runs) {
    const runRef = ref('code_run', run.id);
    doc.activity[runRef] = {
      'prov:type': 'fair:code_run',
      'prov:startTime': run.run_date,
      ...(run.finished_at ? { 'prov:endTime': run.finished_at } : {}),
      'fair:uuid': run.uuid,
      'fair:status': run.status,
      ...(run.description ? { 'fair:description': run.description } : {}),
    };
    relation('wasGeneratedBy', { 'prov:entity': productRef, 'prov:activity': runRef });
    const inputs = (await db('code_run_inputs as i')
      .join('object_component as c', 'c.id', 'i.object_component_id')
      .leftJoin('data_product as d', 'd.object_id', 'c.object_id')
      .leftJoin('namespace as n', 'n.id', 'd.namespace_id')
      .where('i.code_run_id', run.id as Id)
      .select('c.object_id', 'd.id', 'd.name', 'd.version', 'n.name as namespace')
      .orderBy('c.object_id')) as Row[];
    for (const input of inputs) {
      const inputRef = await addObject(input.object_id as Id, input.id ? input : undefined);
      relation('used', { 'prov:activity': runRef, 'prov:entity': inputRef });
      relation('wasDerivedFrom', {
        'prov:generatedEntity': productRef,
        'prov:usedEntity': inputRef,
        'prov:activity': runRef,
      });
    }
  }
  return doc;
}
