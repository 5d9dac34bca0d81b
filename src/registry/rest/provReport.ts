import type { Knex } from 'knex';
import type { Registry, RowId } from '../registry.js';
import { ProvDocument, pythonIsoformat, type AttributeInput } from '../prov/document.js';
import { HttpError } from './httpError.js';

type Row = Record<string, unknown>;
type Id = number;

/** The FAIR vocabulary and the others the FAIR registry's PROV report declares, in its order. */
const VOCABULARIES: Array<[string, string]> = [
  ['fair', 'https://data.fairdatapipeline.org/vocab/#'],
  ['dcat', 'http://www.w3.org/ns/dcat#'],
  ['dcmitype', 'http://purl.org/dc/dcmitype/'],
  ['dcterms', 'http://purl.org/dc/terms/'],
  // (sic) the registry's FOAF namespace, kept so that reports compare equal.
  ['foaf', 'http://xmlns.com/foaf/spec/#'],
  ['rdf', 'http://www.w3.org/1999/02/22-rdf-syntax-ns#'],
];

const q = (qname: string): { qname: string } => ({ qname });
const time = (value: unknown): { dateTime: string } | undefined =>
  typeof value === 'string' ? { dateTime: pythonIsoformat(value) } : undefined;
const str = (value: unknown): string | undefined =>
  value === null || value === undefined ? undefined : String(value);

/**
 * The PROV document of a data product as the FAIR data registry builds it (data_management/prov.py,
 * `generate_prov_document`): the product as a `dcat:Dataset` entity with its object's metadata, authors
 * (`wasAttributedTo`, role `dcterms:creator`) and external object (`specializationOf`); each code run that wrote
 * one of its components as a `fair:Run` activity (`wasGeneratedBy`), started by its user's author or the user
 * (`wasStartedBy`, role `fair:code_runner`), using its code repo release (`fair:software`), model config
 * (`fair:model_configuration`), submission script (`fair:submission_script`) and input data products
 * (`fair:input_data`, each also `wasDerivedFrom`). `depth` levels of runs are followed back through the inputs.
 * Ids are the registry's own API paths under prefix `lreg` (a local registry's prefix there) bound to `base/`.
 * Unknown product: 404.
 */
export async function provReport(
  registry: Registry,
  dataProductId: RowId,
  base: string,
  depth = 1,
): Promise<ProvDocument> {
  const db = registry.knex;
  const first = (await db('data_product').where('id', dataProductId).first()) as Row | undefined;
  if (!first) throw new HttpError(404, { detail: 'Not found.' });
  const doc = new ProvDocument();
  doc.addNamespace('lreg', `${base}/`);
  for (const [prefix, uri] of VOCABULARIES) doc.addNamespace(prefix, uri);
  const builder = new ReportBuilder(db, doc);
  let level: Row[] = [first];
  for (let n = 0; n < Math.max(1, depth) && level.length > 0; n++) {
    const next: Row[] = [];
    for (const product of level) next.push(...(await builder.addLevel(product)));
    level = next;
  }
  return doc;
}

/** Adds records to one document; one method per helper of the registry's prov.py. */
class ReportBuilder {
  constructor(
    private readonly db: Knex,
    private readonly doc: ProvDocument,
  ) {}

  /** `str(storage_location)`: the root joined to the path (os.path.join after stripping leading slashes). */
  private async location(id: unknown): Promise<string | undefined> {
    if (id === null || id === undefined) return undefined;
    const row = (await this.db('storage_location as l')
      .join('storage_root as r', 'r.id', 'l.storage_root_id')
      .where('l.id', id as Id)
      .first('l.path', 'r.root')) as { path: string; root: string };
    const path = row.path.replace(/^\/+/, '').replace(/^\\+/, '');
    return row.root.endsWith('/') || row.root === '' ? `${row.root}${path}` : `${row.root}/${path}`;
  }

  /** `_generate_object_meta`: modified, location, description, each data product's names, issues, format. */
  private async objectMeta(objectId: Id): Promise<AttributeInput> {
    const object = (await this.db('object').where('id', objectId).first()) as Row;
    const meta: AttributeInput = [
      ['dcterms:modified', time(object.last_updated)],
      ['prov:atLocation', await this.location(object.storage_location_id)],
      ['dcterms:description', str(object.description) || undefined],
    ];
    const products = (await this.db('data_product as d')
      .join('namespace as n', 'n.id', 'd.namespace_id')
      .where('d.object_id', objectId)
      .orderBy('d.id')
      .select('d.name', 'd.version', 'n.name as namespace')) as Row[];
    for (const dp of products) {
      meta.push(
        ['fair:namespace', str(dp.namespace)],
        ['dcterms:title', str(dp.name)],
        ['dcat:hasVersion', str(dp.version)],
      );
    }
    const issues = (await this.db('object_component as c')
      .join('issue_component_issues as ic', 'ic.object_component_id', 'c.id')
      .join('issue as i', 'i.id', 'ic.issue_id')
      .where('c.object_id', objectId)
      .orderBy(['c.id', 'i.id'])
      .select('i.id', 'i.description', 'i.severity')) as Row[];
    for (const issue of issues) {
      meta.push([
        'fair:issue',
        `${String(issue.description)} severity: ${String(issue.severity)} ID: ${String(issue.id)}`,
      ]);
    }
    if (object.file_type_id !== null && object.file_type_id !== undefined) {
      const type = (await this.db('file_type')
        .where('id', object.file_type_id as Id)
        .first('name')) as Row;
      meta.push(['dcterms:format', str(type.name)]);
    }
    return meta;
  }

  /** `_add_author_agents`: each author of the object as a `prov:Person` the entity is attributed to. */
  private async addAuthors(objectId: Id, entity: string): Promise<void> {
    const authors = (await this.db('object_authors as oa')
      .join('author as a', 'a.id', 'oa.author_id')
      .where('oa.object_id', objectId)
      .orderBy('a.id')
      .select('a.id', 'a.name', 'a.identifier')) as Row[];
    for (const author of authors) {
      const agent = this.doc.element('agent', `lreg:api/author/${String(author.id)}`, [
        ['rdf:type', q('prov:Person')],
        ['foaf:name', str(author.name)],
        ['dcterms:identifier', str(author.identifier)],
      ]);
      this.doc.relation('wasAttributedTo', { 'prov:entity': entity, 'prov:agent': agent }, [
        ['prov:role', q('dcterms:creator')],
      ]);
    }
  }

  /** `_add_external_object`: the product's external object, a specialisation of it. */
  private async addExternalObject(dp: Row, entity: string): Promise<void> {
    const eo = (await this.db('external_object')
      .where('data_product_id', dp.id as Id)
      .first()) as Row | undefined;
    if (!eo) return;
    const id = this.doc.element('entity', `lreg:api/external_object/${String(eo.id)}`, [
      ['rdf:type', q('dcat:Dataset')],
      ['dcterms:title', str(eo.title)],
      ['dcterms:issued', time(eo.release_date)],
      // The registry keeps the product's version on the external object too; fairpod only on the product.
      ['dcat:hasVersion', str(dp.version)],
      ['dcterms:identifier', str(eo.identifier) || undefined],
      ['fair:alternate_identifier', str(eo.alternate_identifier) || undefined],
      ['fair:alternate_identifier_type', str(eo.alternate_identifier_type) || undefined],
      ['dcterms:description', str(eo.description) || undefined],
      ['prov:atLocation', await this.location(eo.original_store_id)],
    ]);
    this.doc.relation('specializationOf', { 'prov:specificEntity': id, 'prov:generalEntity': entity });
  }

  /** A data product's entity (`_add_prime_data_product`, or an input in `_add_input_data_products`). */
  private async addDataProduct(dp: Row, prime: boolean): Promise<string> {
    const id = `lreg:api/data_product/${String(dp.id)}`;
    if (this.doc.has(id)) return id;
    this.doc.element('entity', id, [
      ['rdf:type', q('dcat:Dataset')],
      ...(await this.objectMeta(dp.object_id as Id)),
    ]);
    // The registry adds a prime product's authors before its external object, an input's after.
    if (prime) await this.addAuthors(dp.object_id as Id, id);
    await this.addExternalObject(dp, id);
    if (!prime) await this.addAuthors(dp.object_id as Id, id);
    return id;
  }

  /** An object the run used in `role` (code repo without release, model config, submission script). */
  private async addUsedObject(run: string, objectId: Id, role: string, software: boolean): Promise<void> {
    const id = this.doc.element('entity', `lreg:api/object/${objectId}`, [
      ...(software ? ([['rdf:type', q('dcmitype:Software')]] as AttributeInput) : []),
      ...(await this.objectMeta(objectId)),
    ]);
    await this.addAuthors(objectId, id);
    this.doc.relation('used', { 'prov:activity': run, 'prov:entity': id }, [['prov:role', q(role)]]);
  }

  /** `_add_code_repo_release`: the run's code repo, as its release when it has one. */
  private async addCodeRepo(run: string, objectId: Id): Promise<void> {
    const release = (await this.db('code_repo_release').where('object_id', objectId).first()) as
      Row | undefined;
    if (!release) return this.addUsedObject(run, objectId, 'fair:software', false);
    const id = this.doc.element('entity', `lreg:api/code_repo_release/${String(release.id)}`, [
      ['rdf:type', q('dcmitype:Software')],
      ...(await this.objectMeta(objectId)),
      ['dcterms:title', str(release.name)],
      ['dcat:hasVersion', str(release.version)],
      ['fair:website', str(release.website)],
    ]);
    await this.addAuthors(objectId, id);
    this.doc.relation('used', { 'prov:activity': run, 'prov:entity': id }, [
      ['prov:role', q('fair:software')],
    ]);
  }

  /** `_add_code_run`: the run, what it generated, and who started it (the user's author, else the user). */
  private async addCodeRun(product: string, run: Row): Promise<string> {
    const id = this.doc.element(
      'activity',
      `lreg:api/code_run/${String(run.id)}`,
      [
        ['rdf:type', q('fair:Run')],
        ['dcterms:description', str(run.description)],
      ],
      { 'prov:startTime': pythonIsoformat(String(run.run_date)) },
    );
    this.doc.relation('wasGeneratedBy', { 'prov:entity': product, 'prov:activity': id });
    if (run.updated_by === null || run.updated_by === undefined) return id;
    const author = (await this.db('user_author as ua')
      .join('author as a', 'a.id', 'ua.author_id')
      .where('ua.user_id', run.updated_by as Id)
      .first('a.id', 'a.name', 'a.identifier')) as Row | undefined;
    let agent: string;
    if (author) {
      agent = this.doc.element('agent', `lreg:api/author/${String(author.id)}`, [
        ['rdf:type', q('prov:Person')],
        ['foaf:name', str(author.name)],
        ['fair:identifier', str(author.identifier)],
      ]);
    } else {
      const user = (await this.db('users')
        .where('id', run.updated_by as Id)
        .first()) as Row;
      // The registry's full name comes from its GitHub login cache ("User Not Found" without one);
      // fairpod's users have their own full_name, else the username stands for it.
      agent = this.doc.element('agent', `lreg:api/users/${String(user.id)}`, [
        ['rdf:type', q('prov:Person')],
        ['foaf:name', str(user.full_name) || str(user.username)],
      ]);
    }
    this.doc.relation(
      'wasStartedBy',
      { 'prov:activity': id, 'prov:trigger': agent, 'prov:time': pythonIsoformat(String(run.run_date)) },
      [['prov:role', q('fair:code_runner')]],
    );
    return id;
  }

  /**
   * `_generate_prov_document`: one level of the report for `dp`; returns the input data products, for the next
   * level. The registry takes the first run of each component of the product's object; a run that wrote
   * several of its components is added once here (the registry would assert it again for each).
   */
  async addLevel(dp: Row): Promise<Row[]> {
    const product = await this.addDataProduct(dp, true);
    const runs = (await this.db('object_component as c')
      .join('code_run_outputs as o', 'o.object_component_id', 'c.id')
      .join('code_run as r', 'r.id', 'o.code_run_id')
      .where('c.object_id', dp.object_id as Id)
      .orderBy(['c.id', 'r.id'])
      .select('c.id as component_id', 'r.*')) as Row[];
    const seenComponents = new Set<unknown>();
    const seenRuns = new Set<unknown>();
    const inputs: Row[] = [];
    for (const run of runs) {
      if (seenComponents.has(run.component_id)) continue;
      seenComponents.add(run.component_id);
      if (seenRuns.has(run.id)) continue;
      seenRuns.add(run.id);
      const activity = await this.addCodeRun(product, run);
      if (run.code_repo_id) await this.addCodeRepo(activity, run.code_repo_id as Id);
      if (run.model_config_id) {
        await this.addUsedObject(activity, run.model_config_id as Id, 'fair:model_configuration', false);
      }
      if (run.submission_script_id) {
        await this.addUsedObject(activity, run.submission_script_id as Id, 'fair:submission_script', true);
      }
      const used = (await this.db('code_run_inputs as i')
        .join('object_component as c', 'c.id', 'i.object_component_id')
        .join('data_product as d', 'd.object_id', 'c.object_id')
        .where('i.code_run_id', run.id as Id)
        .orderBy(['c.id', 'd.id'])
        .select('d.*')) as Row[];
      for (const input of used) {
        const entity = await this.addDataProduct(input, false);
        this.doc.relation('used', { 'prov:activity': activity, 'prov:entity': entity }, [
          ['prov:role', q('fair:input_data')],
        ]);
        this.doc.relation('wasDerivedFrom', { 'prov:generatedEntity': product, 'prov:usedEntity': entity });
        inputs.push(input);
      }
    }
    return inputs;
  }
}
