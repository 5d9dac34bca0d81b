import { expect } from 'chai';
import { ValidationError } from '../../src/core/errors.js';
import { optionFlag, parseOptions, type OptionSpecs } from '../../src/plugin/options.js';

const SPECS = {
  catalog: { type: 'path', required: true, description: 'the catalog' },
  maxConnections: { type: 'integer', min: 1, default: 8, description: 'at once' },
  timeout: { type: 'number', min: 0.001, default: 60, description: 'seconds' },
  indexUrl: { type: 'url', description: 'an index' },
  verbose: { type: 'boolean', description: 'say more' },
  tables: { type: 'list', description: 'tables' },
} satisfies OptionSpecs;

describe('plugin options: declared once, parsed once', () => {
  it('names flags in kebab case', () => {
    expect(optionFlag('maxConnections')).to.equal('--max-connections');
  });

  it("parses commander's strings into typed values, with defaults, paths made absolute", () => {
    const parsed = parseOptions(
      SPECS,
      { catalog: 'c.json', maxConnections: '3', verbose: true, tables: ['Amon,Omon', 'day'] },
      { plugin: 'p', cwd: '/data' },
    );
    expect(parsed).to.deep.equal({
      catalog: '/data/c.json',
      maxConnections: 3,
      timeout: 60,
      verbose: true,
      tables: ['Amon', 'Omon', 'day'],
    });
  });

  const errors: [string, Record<string, unknown>, string, RegExp][] = [
    ['a missing required option', { catalog: undefined }, '--catalog', /the p data manager needs --catalog/],
    ['a word for an integer', { maxConnections: 'abc' }, '--max-connections', /"abc" is not a whole number/],
    ['a fraction for an integer', { maxConnections: '1.5' }, '--max-connections', /is not a whole number/],
    ['an integer below its minimum', { maxConnections: '0' }, '--max-connections', /"0" is below 1/],
    ['a word for a number', { timeout: 'soon' }, '--timeout', /"soon" is not a number/],
    ['a relative URL', { indexUrl: 'data/' }, '--index-url', /"data\/" is not an absolute URL/],
    ['a value for a switch', { verbose: 'yes' }, '--verbose', /"yes" is not true or false/],
    ['an option of another plugin', { template: 'cmip6' }, '--template', /not an option of data manager p/],
  ];
  for (const [what, raw, flag, message] of errors) {
    it(`${what} is a located error at ${flag}`, () => {
      expect(() => parseOptions(SPECS, { catalog: 'c.json', ...raw }, { plugin: 'p' }))
        .to.throw(ValidationError, message)
        .with.nested.property('location.key', flag);
    });
  }
});
