import { expect } from 'chai';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ValidationError } from '../../src/core/errors.js';
import {
  documentFormat,
  formatKeyPath,
  loadLocatedDocument,
  parseLocatedDocument,
  type KeyPath,
} from '../../src/settings/locatedDocument.js';

const JSONC = [
  '// a comment line',
  '{',
  '  "varlist": {',
  '    /* block comment */ "tas": {',
  '      "frequency": "mon",',
  '      "dimensions": ["time", "lat",],',
  '    },',
  '  },',
  '}',
].join('\n');

const YAML = [
  '# a comment line',
  'varlist:',
  '  tas:',
  '    frequency: mon',
  '    dimensions:',
  '      - time',
  '      - lat',
].join('\n');

function catchError(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('locatedDocument', () => {
  it('reads JSONC with comments and trailing commas, and YAML, into the same plain data', () => {
    const fromJsonc = parseLocatedDocument(JSONC, 'x.jsonc').value;
    const fromYaml = parseLocatedDocument(YAML, 'x.yaml').value;
    expect(fromJsonc).to.deep.equal({ varlist: { tas: { frequency: 'mon', dimensions: ['time', 'lat'] } } });
    expect(fromYaml).to.deep.equal(fromJsonc);
    expect(Object.getPrototypeOf(fromJsonc)).to.equal(Object.prototype);
  });

  const positions: {
    format: string;
    text: string;
    file: string;
    path: KeyPath;
    part: 'key' | 'value';
    line: number;
    column: number;
  }[] = [
    { format: 'JSONC', text: JSONC, file: 'a.jsonc', path: ['varlist'], part: 'key', line: 3, column: 3 },
    {
      format: 'JSONC',
      text: JSONC,
      file: 'a.jsonc',
      path: ['varlist', 'tas'],
      part: 'key',
      line: 4,
      column: 25,
    },
    {
      format: 'JSONC',
      text: JSONC,
      file: 'a.jsonc',
      path: ['varlist', 'tas', 'frequency'],
      part: 'key',
      line: 5,
      column: 7,
    },
    {
      format: 'JSONC',
      text: JSONC,
      file: 'a.jsonc',
      path: ['varlist', 'tas', 'frequency'],
      part: 'value',
      line: 5,
      column: 20,
    },
    {
      format: 'JSONC',
      text: JSONC,
      file: 'a.jsonc',
      path: ['varlist', 'tas', 'dimensions', 1],
      part: 'key',
      line: 6,
      column: 30,
    },
    { format: 'JSONC', text: JSONC, file: 'a.jsonc', path: [], part: 'value', line: 2, column: 1 },
    { format: 'YAML', text: YAML, file: 'a.yaml', path: ['varlist', 'tas'], part: 'key', line: 3, column: 3 },
    {
      format: 'YAML',
      text: YAML,
      file: 'a.yaml',
      path: ['varlist', 'tas', 'frequency'],
      part: 'key',
      line: 4,
      column: 5,
    },
    {
      format: 'YAML',
      text: YAML,
      file: 'a.yaml',
      path: ['varlist', 'tas', 'frequency'],
      part: 'value',
      line: 4,
      column: 16,
    },
    {
      format: 'YAML',
      text: YAML,
      file: 'a.yml',
      path: ['varlist', 'tas', 'dimensions', 1],
      part: 'value',
      line: 7,
      column: 9,
    },
  ];
  for (const { format, text, file, path: keyPath, part, line, column } of positions) {
    it(`locates the ${part} of ${formatKeyPath(keyPath) || '(root)'} in ${format} at ${line}:${column}`, () => {
      expect(parseLocatedDocument(text, file).locate(keyPath, part)).to.deep.equal({ line, column });
    });
  }

  it('locates nothing for a path that is not in the document', () => {
    for (const [text, file] of [
      [JSONC, 'a.jsonc'],
      [YAML, 'a.yaml'],
    ]) {
      const doc = parseLocatedDocument(text, file);
      expect(doc.locate(['varlist', 'pr'])).to.equal(undefined);
      expect(doc.locate(['varlist', 'tas', 'dimensions', 5])).to.equal(undefined);
    }
  });

  const syntaxErrors = [
    {
      what: 'a missing comma before a comment, reported after the previous value',
      file: 'a.jsonc',
      text: '{\n  "a": "x"\n  // comment\n\n  "b": 1\n}',
      line: 2,
      column: 11,
      message: /missing comma/,
    },
    {
      what: 'a missing colon',
      file: 'a.jsonc',
      text: '{"a" 1}',
      line: 1,
      column: 6,
      message: /missing colon/,
    },
    { what: 'an unquoted key', file: 'a.json', text: '{\n  a: 1\n}', line: 2, column: 3, message: /./ },
    {
      what: 'an empty JSONC file',
      file: 'a.jsonc',
      text: '',
      line: 1,
      column: 1,
      message: /expected a value/,
    },
    {
      what: 'a duplicate JSONC key',
      file: 'a.jsonc',
      text: '{"s": {"a": 1,\n "a": 2}}',
      line: 2,
      column: 2,
      message: /duplicate key `a`/,
    },
    {
      what: 'a duplicate YAML key',
      file: 'a.yaml',
      text: 'a: 1\nb: 2\na: 3\n',
      line: 3,
      column: 1,
      message: /YAML syntax error: Map keys must be unique/,
    },
    {
      what: 'a tab used for YAML indentation',
      file: 'a.yml',
      text: 'a:\n\tb: 1\n',
      line: 2,
      column: 1,
      message: /Tabs/,
    },
    {
      what: 'an unclosed YAML flow list',
      file: 'a.yaml',
      text: 'a:\n  b: [1, 2\n',
      line: 3,
      message: /YAML syntax error/,
    },
  ];
  for (const { what, file, text, line, column, message } of syntaxErrors) {
    it(`reports ${what} with file, line and a hint`, () => {
      const err = catchError(() => parseLocatedDocument(text, file));
      expect(err.message).to.match(message);
      expect(err.location.file).to.equal(file);
      expect(err.location.line).to.equal(line);
      if (column !== undefined) expect(err.location.column).to.equal(column);
      expect(err.hint).to.be.a('string').and.not.equal('');
    });
  }

  it('chooses the format by extension and rejects unknown extensions with a hint', () => {
    expect(['a.jsonc', 'a.JSON', 'a.yaml', 'dir/a.yml'].map(documentFormat)).to.deep.equal([
      'jsonc',
      'jsonc',
      'yaml',
      'yaml',
    ]);
    const err = catchError(() => documentFormat('settings.toml'));
    expect(err.message).to.match(/unknown file type `\.toml`/);
    expect(err.hint).to.match(/\.jsonc/);
  });

  describe('loadLocatedDocument', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'fairpod-located-'));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('reports a missing file and a directory as located errors', async () => {
      await mkdir(path.join(dir, 'pod.jsonc'));
      for (const [file, message] of [
        [path.join(dir, 'missing.jsonc'), /no such file/],
        [path.join(dir, 'pod.jsonc'), /is a directory/],
      ] as const) {
        const err = await loadLocatedDocument(file).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(ValidationError);
        expect((err as ValidationError).message).to.match(message);
        expect((err as ValidationError).location.file).to.equal(file);
      }
    });
  });

  describe('nesting depth', () => {
    const deep = (n: number): Array<[string, string]> => [
      ['deep.jsonc', '{"a": ' + '['.repeat(n) + ']'.repeat(n) + '}'],
      ['deep.yaml', 'a:\n  ' + '- '.repeat(n) + 'x\n'],
      ['flow.yaml', 'a: ' + '{"b": '.repeat(n) + '1' + '}'.repeat(n) + '\n'],
    ];
    for (const [file, text] of deep(100_000)) {
      it(`refuses ${file} nested 100000 levels with a located error, not a stack overflow`, () => {
        try {
          parseLocatedDocument(text, file);
          expect.fail('parsed');
        } catch (err) {
          expect(err).to.be.instanceOf(ValidationError);
          expect((err as ValidationError).format()).to.match(
            new RegExp(`^${file.replace('.', '\\.')}:\\d+:\\d+: nested more than 64 levels deep`),
          );
        }
      });
    }
    it('reads 60 levels', () => {
      for (const [file, text] of deep(60))
        expect(parseLocatedDocument(text, file).value).to.have.property('a');
    });
  });
});
