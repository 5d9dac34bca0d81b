import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { describeOnBackends } from './backends.js';
import { serveFreshRegistry, type ServedRegistry } from './restServer.js';

const PYTHON = '/usr/bin/python3';
const INTEROP = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'prov', 'prov_interop.py');

type Json = Record<string, Record<string, unknown>>;
const qn = (name: string): Record<string, string> => ({ $: name, type: 'prov:QUALIFIED_NAME' });

describeOnBackends('GET /api/prov-report/<id>/ (the FAIR registry PROV report)', (locations) => {
  let served: ServedRegistry;
  beforeEach(async () => {
    served = await serveFreshRegistry(locations);
  });
  afterEach(() => served.close());

  const get = async (path: string, accept?: string): Promise<Response> =>
    fetch(`${served.url}${path}`, { headers: accept ? { accept } : {} });
  const post = async (table: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${served.url}/api/${table}/`, {
      method: 'POST',
      headers: { authorization: `token ${served.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(answer)).to.equal(201);
    return answer;
  };
  const idOf = (row: Record<string, unknown>): string => new URL(row.url as string).pathname.split('/')[3]!;

  /**
   * The registry's prov test scene in small: an input product (author, external object, file type) and a run
   * with a code repo release, a model config and a submission script writing an output product that has an
   * author and an issue; the run's user is linked to an author. `upstream` adds a run that wrote the input.
   */
  async function scene(upstream = false): Promise<Record<string, Record<string, unknown>>> {
    const root = await post('storage_root', { root: 'https://example.org/store', local: false });
    const at = async (p: string): Promise<Record<string, unknown>> =>
      post('storage_location', { path: p, hash: `h${p}`, storage_root: root.url });
    const ns = await post('namespace', { name: 'prov' });
    const text = await post('file_type', { name: 'text file', extension: 'txt' });
    const ivana = await post('author', { name: 'Ivana Valenti', identifier: 'https://orcid.org/0000-1' });
    const rosanna = await post('author', { name: 'Rosanna Massabeti' });
    const runner = await post('author', { name: 'Run Ner', identifier: 'https://orcid.org/0000-9' });
    const users = (await (await get('/api/users/?username=tester')).json()) as {
      results: Array<{ url: string }>;
    };
    await post('user_author', { user: users.results[0]!.url, author: runner.url });

    const inObject = await post('object', {
      description: 'input 1 object',
      storage_location: (await at('/input/1')).url,
      file_type: text.url,
      authors: [ivana.url],
    });
    const input = await post('data_product', {
      object: inObject.url,
      namespace: ns.url,
      name: 'in/1',
      version: '0.2.0',
    });
    const external = await post('external_object', {
      data_product: input.url,
      title: 'cr test input 1',
      release_date: '2020-07-10T18:38:00Z',
      alternate_identifier: 'input_1',
      alternate_identifier_type: 'text',
      original_store: (await at('file_store/1.txt')).url,
    });
    const outObject = await post('object', {
      description: 'output "1" é',
      storage_location: (await at('output/1')).url,
      authors: [rosanna.url],
    });
    const output = await post('data_product', {
      object: outObject.url,
      namespace: ns.url,
      name: 'out/1',
      version: '0.2.0',
    });
    const issue = await post('issue', {
      severity: 7,
      description: 'bad',
      component_issues: [(outObject.components as string[])[0]],
    });
    const repo = await post('object', { storage_location: (await at('repo')).url, authors: [ivana.url] });
    const release = await post('code_repo_release', {
      name: 'SCRCdata',
      version: '0.1.0',
      object: repo.url,
      website: 'https://github.com/x/SCRCdata',
    });
    const config = await post('object', { storage_location: (await at('config.yaml')).url });
    const script = await post('object', {
      storage_location: (await at('script.sh')).url,
      file_type: text.url,
    });
    const codeRun = await post('code_run', {
      run_date: '2021-07-17T18:21:11Z',
      description: 'Test run',
      code_repo: repo.url,
      model_config: config.url,
      submission_script: script.url,
      inputs: [(inObject.components as string[])[0]],
      outputs: [(outObject.components as string[])[0]],
    });
    const scene: Record<string, Record<string, unknown>> = {
      input,
      output,
      external,
      issue,
      release,
      config,
      script,
      codeRun,
      ivana,
      rosanna,
      runner,
      outObject,
    };
    if (upstream) {
      const rawObject = await post('object', { storage_location: (await at('raw')).url });
      scene.raw = await post('data_product', {
        object: rawObject.url,
        namespace: ns.url,
        name: 'raw',
        version: '1.0.0',
      });
      scene.upstreamRun = await post('code_run', {
        run_date: '2021-07-16T08:00:00Z',
        inputs: [(rawObject.components as string[])[0]],
        outputs: [(inObject.components as string[])[0]],
      });
    }
    return scene;
  }

  it('PROV-JSON by default: the registry document structure, vocabulary and ids', async () => {
    const s = await scene();
    const res = await get(`/api/prov-report/${idOf(s.output!)}/`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('application/json');
    const doc = (await res.json()) as Json;
    const [inId, outId, runId] = [idOf(s.input!), idOf(s.output!), idOf(s.codeRun!)];
    const lreg = (table: string, row: Record<string, unknown>): string => `lreg:api/${table}/${idOf(row)}`;
    expect(doc.prefix).to.deep.equal({
      lreg: `${served.url}/`,
      fair: 'https://data.fairdatapipeline.org/vocab/#',
      dcat: 'http://www.w3.org/ns/dcat#',
      dcmitype: 'http://purl.org/dc/dcmitype/',
      dcterms: 'http://purl.org/dc/terms/',
      foaf: 'http://xmlns.com/foaf/spec/#',
      rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
    });
    const out = doc.entity![`lreg:api/data_product/${outId}`] as Record<string, unknown>;
    expect(out['dcterms:modified']).to.have.property('type', 'xsd:dateTime');
    delete out['dcterms:modified'];
    expect(out).to.deep.equal({
      'rdf:type': qn('dcat:Dataset'),
      'prov:atLocation': 'https://example.org/store/output/1',
      'dcterms:description': 'output "1" é',
      'fair:namespace': 'prov',
      'dcterms:title': 'out/1',
      'dcat:hasVersion': '0.2.0',
      'fair:issue': `bad severity: 7 ID: ${idOf(s.issue!)}`,
    });
    const input = doc.entity![`lreg:api/data_product/${inId}`] as Record<string, unknown>;
    expect(input['prov:atLocation']).to.equal('https://example.org/store/input/1');
    expect(input['dcterms:format']).to.equal('text file');
    expect(doc.entity![lreg('external_object', s.external!)]).to.deep.equal({
      'rdf:type': qn('dcat:Dataset'),
      'dcterms:title': 'cr test input 1',
      'dcterms:issued': { $: '2020-07-10T18:38:00+00:00', type: 'xsd:dateTime' },
      'dcat:hasVersion': '0.2.0',
      'fair:alternate_identifier': 'input_1',
      'fair:alternate_identifier_type': 'text',
      'prov:atLocation': 'https://example.org/store/file_store/1.txt',
    });
    const release = doc.entity![lreg('code_repo_release', s.release!)] as Record<string, unknown>;
    delete release['dcterms:modified'];
    expect(release).to.deep.equal({
      'rdf:type': qn('dcmitype:Software'),
      'prov:atLocation': 'https://example.org/store/repo',
      'dcterms:title': 'SCRCdata',
      'dcat:hasVersion': '0.1.0',
      'fair:website': 'https://github.com/x/SCRCdata',
    });
    expect(doc.entity![lreg('object', s.script!)]).to.include({ 'dcterms:format': 'text file' });
    expect((doc.entity![lreg('object', s.script!)] as Record<string, unknown>)['rdf:type']).to.deep.equal(
      qn('dcmitype:Software'),
    );
    expect(doc.entity![lreg('object', s.config!)]).to.not.have.property('rdf:type');
    expect(doc.activity).to.deep.equal({
      [`lreg:api/code_run/${runId}`]: {
        'prov:startTime': '2021-07-17T18:21:11+00:00',
        'rdf:type': qn('fair:Run'),
        'dcterms:description': 'Test run',
      },
    });
    expect(doc.agent).to.deep.equal({
      [lreg('author', s.rosanna!)]: { 'rdf:type': qn('prov:Person'), 'foaf:name': 'Rosanna Massabeti' },
      [lreg('author', s.runner!)]: {
        'rdf:type': qn('prov:Person'),
        'foaf:name': 'Run Ner',
        'fair:identifier': 'https://orcid.org/0000-9',
      },
      [lreg('author', s.ivana!)]: {
        'rdf:type': qn('prov:Person'),
        'foaf:name': 'Ivana Valenti',
        'dcterms:identifier': 'https://orcid.org/0000-1',
      },
    });
    const run = `lreg:api/code_run/${runId}`;
    const [dpIn, dpOut] = [`lreg:api/data_product/${inId}`, `lreg:api/data_product/${outId}`];
    // Relations numbered in the order the registry asserts them.
    expect(doc.wasAttributedTo).to.deep.equal({
      '_:id1': {
        'prov:entity': dpOut,
        'prov:agent': lreg('author', s.rosanna!),
        'prov:role': qn('dcterms:creator'),
      },
      '_:id4': {
        'prov:entity': lreg('code_repo_release', s.release!),
        'prov:agent': lreg('author', s.ivana!),
        'prov:role': qn('dcterms:creator'),
      },
      '_:id9': {
        'prov:entity': dpIn,
        'prov:agent': lreg('author', s.ivana!),
        'prov:role': qn('dcterms:creator'),
      },
    });
    expect(doc.wasGeneratedBy).to.deep.equal({ '_:id2': { 'prov:entity': dpOut, 'prov:activity': run } });
    expect(doc.wasStartedBy).to.deep.equal({
      '_:id3': {
        'prov:activity': run,
        'prov:trigger': lreg('author', s.runner!),
        'prov:time': '2021-07-17T18:21:11+00:00',
        'prov:role': qn('fair:code_runner'),
      },
    });
    expect(doc.used).to.deep.equal({
      '_:id5': {
        'prov:activity': run,
        'prov:entity': lreg('code_repo_release', s.release!),
        'prov:role': qn('fair:software'),
      },
      '_:id6': {
        'prov:activity': run,
        'prov:entity': lreg('object', s.config!),
        'prov:role': qn('fair:model_configuration'),
      },
      '_:id7': {
        'prov:activity': run,
        'prov:entity': lreg('object', s.script!),
        'prov:role': qn('fair:submission_script'),
      },
      '_:id10': { 'prov:activity': run, 'prov:entity': dpIn, 'prov:role': qn('fair:input_data') },
    });
    expect(doc.specializationOf).to.deep.equal({
      '_:id8': { 'prov:specificEntity': lreg('external_object', s.external!), 'prov:generalEntity': dpIn },
    });
    expect(doc.wasDerivedFrom).to.deep.equal({
      '_:id11': { 'prov:generatedEntity': dpOut, 'prov:usedEntity': dpIn },
    });
  });

  it('?format=provn, xml and json-ld (and the same by Accept) read back with python prov and rdflib as the JSON document', async () => {
    const s = await scene();
    const base = `/api/prov-report/${idOf(s.output!)}/`;
    const bodies: Record<string, string> = {};
    for (const [format, type] of [
      ['json', 'application/json'],
      ['provn', 'text/provenance-notation; charset=utf8'],
      ['xml', 'text/xml; charset=utf8'],
      ['json-ld', 'application/ld+json; charset=utf8'],
    ] as const) {
      const res = await get(`${base}?format=${format}`);
      expect(res.status, format).to.equal(200);
      expect(res.headers.get('content-type'), format).to.equal(type);
      bodies[format] = await res.text();
      const negotiated = await get(base, type.split(';')[0]);
      expect(negotiated.headers.get('content-type'), `Accept for ${format}`).to.equal(type);
      expect(await negotiated.text(), `Accept for ${format}`).to.equal(bodies[format]);
    }
    expect(bodies.provn!.split('\n').slice(0, 3)).to.deep.equal([
      'document',
      `  prefix lreg <${served.url}/>`,
      '  prefix fair <https://data.fairdatapipeline.org/vocab/#>',
    ]);
    expect(bodies.provn).to.contain(
      `  wasStartedBy(lreg:api/code_run/${idOf(s.codeRun!)}, lreg:api/author/${idOf(s.runner!)}, -, 2021-07-17T18:21:11+00:00, [prov:role='fair:code_runner'])\n`,
    );
    expect(bodies.provn).to.match(/\nendDocument$/);
    expect(bodies.xml).to.match(/^<\?xml version='1.0' encoding='ASCII'\?>\n<prov:document /);
    expect(bodies.xml).to.contain('output &quot;1&quot; &#233;');

    const python = spawnSync(PYTHON, [INTEROP], {
      input: JSON.stringify({
        json: bodies.json,
        xml: bodies.xml,
        provn: bodies.provn,
        jsonld: bodies['json-ld'],
      }),
      encoding: 'utf8',
    });
    expect(
      python.status,
      `${python.stderr}\nhint: CI installs python3-prov (.ci/setup.d/50-python.sh)`,
    ).to.equal(0);
    const checked = JSON.parse(python.stdout) as {
      provn_from_json: string;
      xml_equals_json: boolean;
      missing_triples: string[];
    };
    // python prov reads the JSON back and writes the same PROV-N (it orders records by kind, hence sorted lines).
    const lines = (text: string): string[] => text.split('\n').sort();
    expect(lines(bodies.provn!)).to.deep.equal(lines(checked.provn_from_json));
    expect(checked.xml_equals_json, 'PROV-XML reads back as the PROV-JSON document').to.equal(true);
    // Every element type and direct relation python prov's PROV-O mapping states is in fairpod's JSON-LD.
    expect(checked.missing_triples).to.deep.equal([]);
  });

  it('depth=2 follows the input back to the run that wrote it; a missing product is 404; an unknown format 404 and an image 406', async () => {
    const s = await scene(true);
    const base = `/api/prov-report/${idOf(s.output!)}/`;
    const one = (await (await get(base)).json()) as Json;
    expect(one.activity).to.have.all.keys(`lreg:api/code_run/${idOf(s.codeRun!)}`);
    const two = (await (await get(`${base}?depth=2`)).json()) as Json;
    expect(two.activity).to.have.all.keys(
      `lreg:api/code_run/${idOf(s.codeRun!)}`,
      `lreg:api/code_run/${idOf(s.upstreamRun!)}`,
    );
    expect(Object.values(two.wasDerivedFrom!)).to.deep.include({
      'prov:generatedEntity': `lreg:api/data_product/${idOf(s.input!)}`,
      'prov:usedEntity': `lreg:api/data_product/${idOf(s.raw!)}`,
    });
    // Image parameters are accepted as the registry accepts them; they shape only images.
    expect((await get(`${base}?attributes=False&aspect_ratio=1.4&dpi=300`)).status).to.equal(200);

    for (const format of ['json', 'xml', 'provn', 'json-ld']) {
      const missing = await get(`/api/prov-report/4242/?format=${format}`);
      expect(missing.status, format).to.equal(404);
      expect(await missing.json()).to.deep.equal({ detail: 'Not found.' });
    }
    for (const [format, status] of [
      ['svg', 406],
      ['jpg', 406],
      ['turtle', 404],
    ] as const) {
      const unknown = await get(`${base}?format=${format}`);
      expect(unknown.status, format).to.equal(status);
      const body = (await unknown.json()) as { detail: string };
      expect(body.detail).to.contain(`"${format}"`).and.contain('json, json-ld, xml, provn');
    }
  });
});
