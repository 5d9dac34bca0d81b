import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { catalogCli as cli, catalogCliCases } from './cliCases.js';
import { header, isolateIndexCache, tempDir, writeMovedCatalog, writeTree } from './support.js';

describe('fairpod catalog', () => {
  isolateIndexCache();
  // A catalog as MDTF's CI writes them: its header names a table on another machine.
  let EXAMPLE: string;
  before(() => {
    EXAMPLE = writeMovedCatalog(tempDir());
  });

  catalogCliCases(() => EXAMPLE, 8);

  it('build writes a catalog that search reads, and lists unmatched files', async () => {
    const root = tempDir();
    writeTree(root, { 'caseA/day/caseA.pr.day.nc': '', 'caseA/day/notes.txt': '' });
    const out = path.join(tempDir(), 'built.json');
    const built = await cli('build', root, '--template', 'mdtf', '-o', out);
    expect(built.result).to.equal(0);
    expect(built.stderr)
      .to.match(/wrote 1 rows/)
      .and.match(
        /1 file not in the catalog \(template 'mdtf'\):\n {2}caseA\/day\/notes.txt: not a \.nc file/,
      );
    const found = await cli('search', out, 'variable=pr', '--catalog-file', out.replace(/json$/, 'csv'));
    expect(found.result).to.equal(0);
    expect(found.stdout).to.contain('caseA.pr.day.nc');
  });

  it('build exits 1 when nothing matched, 2 for an unknown template', async () => {
    const root = tempDir();
    writeTree(root, { 'x.nc': '' });
    const out = path.join(tempDir(), 'empty.json');
    expect((await cli('build', root, '--template', 'cmip6', '-o', out)).result).to.equal(1);
    const unknown = await cli('build', root, '--template', 'nope', '-o', out);
    expect(unknown.result).to.equal(2);
    expect(unknown.stderr)
      .to.match(/no DRS template 'nope'/)
      .and.match(/hint: use one of: .*cmip6/);
  });

  it('exits 2 with a located error for a malformed header or row, and for a bad term', async () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'bad.json'),
      '{\n  "esmcat_version": "0.1.0",\n  "attributes": 3,\n  "assets": {"column_name": "path", "format": "netcdf"},\n  "catalog_file": "t.csv"\n}\n',
    );
    fs.writeFileSync(path.join(dir, 'rows.json'), header('t.csv', ['variable_id']));
    fs.writeFileSync(path.join(dir, 't.csv'), 'variable_id,path\ntas,/a\npr\n');
    const badHeader = await cli('search', path.join(dir, 'bad.json'), 'variable_id=tas');
    expect(badHeader.result).to.equal(2);
    expect(badHeader.stderr).to.contain(
      `${path.join(dir, 'bad.json')}:3:17: attributes: attributes is missing or not a list`,
    );
    const badRow = await cli('info', path.join(dir, 'rows.json'));
    expect(badRow.result).to.equal(2);
    expect(badRow.stderr).to.contain(`${path.join(dir, 't.csv')}:3: row has 1 cells, the header row has 2`);
    const badTerm = await cli('search', EXAMPLE, 'variable_id');
    expect(badTerm.result).to.equal(2);
    expect(badTerm.stderr).to.match(/not a key=value search term/);
  });
});
