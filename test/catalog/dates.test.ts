import { expect } from 'chai';
import {
  formatCatalogDate,
  parseCatalogDate,
  parseTimeRange,
  tryParseCatalogDate,
} from '../../src/catalog/dates.js';
import { ValidationError } from '../../src/core/errors.js';

describe('catalog dates', () => {
  const cases: [string, number, number, string][] = [
    ['1984', 19840101000000, 19841231235959, '1984'],
    ['198402', 19840201000000, 19840231235959, '1984-02'],
    ['19840215', 19840215000000, 19840215235959, '1984-02-15'],
    ['1984021506', 19840215060000, 19840215065959, '1984-02-15T06:00'],
    ['198402150630', 19840215063000, 19840215063059, '1984-02-15T06:30'],
    ['1984-02-15', 19840215000000, 19840215235959, '1984-02-15'],
    ['1984-02', 19840201000000, 19840231235959, '1984-02'],
    ['1984-02-15T06:30:00Z', 19840215063000, 19840215063000, '1984-02-15T06:30:00'],
    ['1990-01-01 00:00:00', 19900101000000, 19900101000000, '1990-01-01T00:00:00'],
    ['0001-01-01', 10101000000, 10101235959, '0001-01-01'],
    ['2000-02-30', 20000230000000, 20000230235959, '2000-02-30'], // a 360_day date
  ];
  for (const [text, first, last, iso] of cases) {
    it(`parses ${text}`, () => {
      const d = parseCatalogDate(text);
      expect([d.first, d.last, formatCatalogDate(d)]).to.deep.equal([first, last, iso]);
    });
  }

  for (const bad of ['84', '1984-13', '19841301', 'soon', '1984-02-15T25:00', '']) {
    it(`rejects '${bad}'`, () => {
      expect(tryParseCatalogDate(bad)).to.equal(undefined);
      expect(() => parseCatalogDate(bad)).to.throw(ValidationError);
    });
  }

  const ranges: [string, number, number][] = [
    ['1980-01-01-1984-12-31', 19800101000000, 19841231235959],
    ['19800101-19841231', 19800101000000, 19841231235959],
    ['185001-201412', 18500101000000, 20141231235959],
    ['1980-1984', 19800101000000, 19841231235959],
    ['1990-01-01 00:00:00-2009-12-31 00:00:00', 19900101000000, 20091231000000],
  ];
  for (const [text, first, last] of ranges) {
    it(`parses the range ${text}`, () => {
      const p = parseTimeRange(text)!;
      expect([p.start.first, p.end.last]).to.deep.equal([first, last]);
    });
  }
  it('rejects what is not a range', () => {
    expect(parseTimeRange('1980')).to.equal(undefined);
    expect(parseTimeRange('tas-pr')).to.equal(undefined);
  });
});
