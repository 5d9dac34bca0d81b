import { expect } from 'chai';
import { z } from 'zod';
import { parseLocatedDocument } from '../../src/settings/locatedDocument.js';
import {
  addProblem,
  checkDocument,
  problem,
  section,
  unknownKeyWarning,
  unlocatedDocument,
} from '../../src/settings/schema.js';

const doc = (text: string) => parseLocatedDocument(text, 'f.yaml');

describe('settings/schema: zod issues as located errors and warnings', () => {
  const schema = section(
    {
      name: z.string({ error: () => problem({ message: 'name is not text', hint: 'quote it' }) }),
      n: z.number().optional(),
    },
    unknownKeyWarning('the top level'),
  );

  it('locates an error at its line:column with its key path, message and hint', () => {
    const { errors, data } = checkDocument(schema, doc('n: 1\nname: 5\n'));
    expect(data).to.equal(undefined);
    expect(errors.map((e) => [e.format(), e.location.line, e.location.column])).to.deep.equal([
      ['f.yaml:2:7: name: name is not text\n  hint: quote it', 2, 7],
    ]);
  });

  it('locates a missing key at the object lacking it', () => {
    const [error] = checkDocument(schema, doc('outer:\n  n: 1\n'), {
      value: { n: 1 },
    }).errors;
    expect(error!.location).to.deep.include({ key: 'name', line: 1, column: 1 });
  });

  it('loads a document whose only findings are warnings, keeping the unknown keys in the order written', () => {
    const { data, errors, warnings } = checkDocument(schema, doc('nmae: x\nname: a\nn: 2\n'));
    expect(errors).to.deep.equal([]);
    expect(Object.keys(data!)).to.deep.equal(['nmae', 'name', 'n']);
    expect(warnings).to.deep.equal([
      'f.yaml:1:1: nmae: unknown key `nmae` in the top level; did you mean `name`?\n  hint: rename it to `name`, or remove it',
    ]);
  });

  it('reports only the first problem inside a value when the schema asks for it', () => {
    const list = z.array(
      z.string({ error: () => problem({ message: 'not text', hint: 'quote it', firstWithin: 1 }) }),
    );
    const { errors } = checkDocument(list, doc('[a, 1, 2]\n'));
    expect(errors.map((e) => e.location.key)).to.deep.equal(['[1]']);
  });

  it('moves a problem up the key path, and gives a located type error where no schema said more', () => {
    const nested = z.object({
      a: z.object({ b: z.string({ error: () => problem({ message: 'b?', hint: 'h', up: 1 }) }) }),
      c: z.number(),
    });
    const { errors } = checkDocument(nested, doc('a:\n  b: 1\nc: x\n'));
    expect(errors.map((e) => [e.location.key, e.message])).to.deep.equal([
      ['a', 'b?'],
      ['c', 'expected a number, found the string "x"'],
    ]);
  });

  it('carries refinement problems, and a value built in code gets its key path without a line', () => {
    const refined = z.object({ x: z.number() }).superRefine((v, ctx) => {
      if (v.x > 1) addProblem(ctx, ['x'], { message: 'too big', hint: 'use 1' });
    });
    const [error] = checkDocument(refined, unlocatedDocument({ x: 2 }, 'code.yaml')).errors;
    expect(error!.location).to.deep.equal({ file: 'code.yaml', key: 'x' });
    expect(error!.hint).to.equal('use 1');
  });
});
