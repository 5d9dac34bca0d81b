import { expect } from 'chai';
import { ValidationErrors } from '../../src/core/errors.js';
import { parsePodSettings } from '../../src/settings/podSettings.js';
import { suggest } from '../../src/settings/suggest.js';

/** A valid POD, one entry a line (line numbers in the comments), so that each case can replace one line and know where its problem is. */
const BASE = [
  '{', // 1
  '  "settings": {"driver": "pod.py"},', // 2
  '  "dimensions": {', // 3
  '    "lat": {"standard_name": "latitude"},', // 4
  '    "time": {"standard_name": "time"}', // 5
  '  },', // 6
  '  "varlist": {', // 7
  '    "pr": {', // 8
  '      "standard_name": "precipitation_flux",', // 9
  '      "dimensions": ["time", "lat"],', // 10
  '      "alternates": ["prc"],', // 11
  '      "requirement": "required"', // 12
  '    },', // 13
  '    "prc": {"standard_name": "convective_precipitation_flux", "dimensions": ["time", "lat"], "requirement": "alternate"}',
  '  }', // 15
  '}', // 16
];

const FILE = 'pods/pr_pod.jsonc';

/** BASE with line `line` (1-based) replaced. */
function withLine(line: number, text: string): string {
  return BASE.map((l, i) => (i === line - 1 ? text : l)).join('\n');
}

function errorsOf(text: string): ValidationErrors {
  try {
    parsePodSettings(text, FILE);
  } catch (err) {
    expect(err).to.be.instanceOf(ValidationErrors);
    return err as ValidationErrors;
  }
  throw new Error('expected ValidationErrors');
}

describe('POD settings: errors', () => {
  it('accepts the base document without warnings', () => {
    const pod = parsePodSettings(BASE.join('\n'), FILE);
    expect(pod.varlist.map((v) => v.name)).to.deep.equal(['pr', 'prc']);
    expect(pod.warnings).to.deep.equal([]);
  });

  it("turns numbers, booleans and lists in pod_env_vars into strings as MDTF does (Python's str())", () => {
    const line =
      '  "settings": {"driver": "pod.py", "pod_env_vars": {"S": "x", "I": 2010, "F": 1.24, "W": 1.0, "E": 1e20, ' +
      '"B": false, "L": [12, 1, 2], "M": ["DJF", 0.5, true], "O": {"a": "it\'s"}}},';
    const pod = parsePodSettings(withLine(2, line), FILE);
    expect(pod.settings.pod_env_vars).to.deep.equal({
      S: 'x',
      I: '2010',
      F: '1.24',
      W: '1.0',
      E: '1e+20',
      B: 'False',
      L: '[12, 1, 2]',
      M: "['DJF', 0.5, True]",
      O: `{'a': "it's"}`,
    });
  });

  it('reads pod_env_vars from YAML the same way', () => {
    const yaml = [
      'settings:',
      '  driver: pod.py',
      '  pod_env_vars: { I: 1979, W: 2.0, B: true, L: [6, 7, 8] }',
      'dimensions: { time: { standard_name: time } }',
      'varlist: { pr: { standard_name: precipitation_flux, dimensions: [time] } }',
    ].join('\n');
    const pod = parsePodSettings(yaml, 'pods/pr_pod.yaml');
    expect(pod.settings.pod_env_vars).to.deep.equal({ I: '1979', W: '2.0', B: 'True', L: '[6, 7, 8]' });
  });

  const cases = [
    {
      what: 'a bad requirement value',
      line: 12,
      text: '      "requirement": "mandatory"',
      key: 'varlist.pr.requirement',
      message: /`mandatory` is not one of `required`, `optional`, `alternate`/,
      hint: /use one of: required, optional, alternate/,
    },
    {
      what: 'a misspelt requirement value, with a suggestion',
      line: 12,
      text: '      "requirement": "optinal"',
      key: 'varlist.pr.requirement',
      message: /did you mean `optional`\?/,
    },
    {
      what: 'a dimension not declared in `dimensions`',
      line: 10,
      text: '      "dimensions": ["time", "lat", "lon"],',
      key: 'varlist.pr.dimensions[2]',
      column: 37,
      message: /dimension `lon` is not declared in `dimensions`/,
      hint: /add `lon` to the `dimensions` section/,
    },
    {
      what: 'an alternate that names no varlist entry',
      line: 11,
      text: '      "alternates": ["prc", "prw"],',
      key: 'varlist.pr.alternates[1]',
      message: /alternate `prw` names no varlist entry/,
      hint: /add a varlist entry `prw`/,
    },
    {
      what: 'an alternate set (list of lists) member that names no entry',
      line: 11,
      text: '      "alternates": [["prc"], ["pr_c"]],',
      key: 'varlist.pr.alternates[1][0]',
      message: /`pr_c` names no varlist entry; did you mean `prc`\?/,
    },
    {
      what: 'an empty alternate set',
      line: 11,
      text: '      "alternates": [["prc"], []],',
      key: 'varlist.pr.alternates[1]',
      message: /empty alternate set/,
    },
    {
      what: 'a variable listing itself as an alternate',
      line: 11,
      text: '      "alternates": ["prc", "pr"],',
      key: 'varlist.pr.alternates[1]',
      message: /lists itself/,
    },
    {
      what: 'alternates mixing names and lists',
      line: 11,
      text: '      "alternates": ["prc", ["prc"]],',
      key: 'varlist.pr.alternates[0]',
      message: /expected a list of varlist names, found the string "prc"/,
    },
    {
      what: 'a scalar coordinate on an undeclared dimension',
      line: 11,
      text: '      "alternates": ["prc"], "scalar_coordinates": {"plev": 500},',
      key: 'varlist.pr.scalar_coordinates.plev',
      message: /scalar coordinate `plev` is not declared/,
    },
    {
      what: 'a scalar coordinate that is not a number',
      line: 11,
      text: '      "alternates": ["prc"], "scalar_coordinates": {"lat": "0"},',
      key: 'varlist.pr.scalar_coordinates.lat',
      message: /expected a number, found the string "0"/,
    },
    {
      what: 'dimensions given as a string',
      line: 10,
      text: '      "dimensions": "time",',
      key: 'varlist.pr.dimensions',
      message: /expected a list of strings, found the string "time"/,
      hint: /\["time", "lat", "lon"\]/,
    },
    {
      what: 'use_exact_name given as a string',
      line: 9,
      text: '      "standard_name": "precipitation_flux", "use_exact_name": "yes",',
      key: 'varlist.pr.use_exact_name',
      message: /expected true or false/,
    },
    {
      what: 'a missing standard_name',
      line: 9,
      text: '      "long_name": "precipitation",',
      key: 'varlist.pr.standard_name',
      // Located at the entry that lacks it.
      atLine: 8,
      message: /missing required key `standard_name` in varlist entry `pr`/,
      hint: /"standard_name": "air_temperature"/,
    },
    {
      what: 'a missing dimensions list (and none in `data`)',
      line: 10,
      text: '',
      key: 'varlist.pr.dimensions',
      atLine: 8,
      message: /missing required key `dimensions`/,
    },
    {
      what: 'a missing driver',
      line: 2,
      text: '  "settings": {"long_name": "Precipitation"},',
      key: 'settings.driver',
      message: /missing required key `driver` in `settings`/,
    },
    {
      what: 'an unknown convention',
      line: 2,
      text: '  "settings": {"driver": "pod.py", "convention": "ecmwf"},',
      key: 'settings.convention',
      message: /`ecmwf` is not one of `cmip`, `cesm`, `gfdl`/,
    },
    {
      what: 'an env var without a value (null)',
      line: 2,
      text: '  "settings": {"driver": "pod.py", "pod_env_vars": {"RES": null}},',
      key: 'settings.pod_env_vars.RES',
      message: /expected a string, number, boolean, list or object, found null/,
    },
    {
      what: 'a missing `dimensions` section',
      line: 3,
      text: '  "dims": {',
      key: 'dimensions',
      atLine: 1,
      message: /missing required key `dimensions` in the top level/,
    },
    {
      what: 'a varlist entry that is not an object',
      line: 14,
      text: '    "prc": "convective_precipitation_flux"',
      key: 'varlist.prc',
      message: /expected an object describing variable `prc`, found the string/,
    },
  ];
  for (const { what, line, text, key, message, hint, column, atLine } of cases) {
    it(`reports ${what} at its line, with its key path`, () => {
      const { errors } = errorsOf(withLine(line, text));
      expect(errors, errors.map((e) => e.format()).join('\n')).to.have.length(1);
      const [error] = errors;
      expect(error.message).to.match(message);
      expect(error.location).to.deep.include({ file: FILE, key, line: atLine ?? line });
      if (column !== undefined) expect(error.location.column).to.equal(column);
      expect(error.hint).to.be.a('string').and.not.equal('');
      if (hint) expect(error.hint).to.match(hint);
      expect(error.format()).to.match(
        new RegExp(`^${FILE}:${atLine ?? line}:\\d+: ${key.replace(/[.[\]]/g, '\\$&')}: `),
      );
    });
  }

  it('collects every error of a file, in the order they appear', () => {
    const text = withLine(12, '      "requirement": "sometimes"').replaceAll('"lat"]', '"lon"]');
    const { errors, message } = errorsOf(text);
    expect(errors.map((e) => [e.location.line, e.location.key])).to.deep.equal([
      [10, 'varlist.pr.dimensions[1]'],
      [12, 'varlist.pr.requirement'],
      [14, 'varlist.prc.dimensions[1]'],
    ]);
    expect(message.split('\n').filter((l) => l.startsWith(FILE))).to.have.length(3);
  });

  it('rejects a document that is not an object', () => {
    const { errors } = errorsOf('[1, 2]');
    expect(errors[0].message).to.match(/must hold an object, found a list/);
    expect(errors[0].location).to.deep.include({ file: FILE, line: 1, column: 1 });
  });
});

describe('POD settings: warnings', () => {
  const cases = [
    {
      what: 'a misspelt varlist key',
      line: 9,
      text: '      "standard_name": "precipitation_flux", "freq": "day",',
      key: 'varlist.pr.freq',
      message: /unknown key `freq` in varlist entry `pr`; did you mean `frequency`\?/,
      hint: /rename it to `frequency`/,
    },
    {
      what: 'a misspelt dimension key',
      line: 4,
      text: '    "lat": {"standard_name": "latitude", "unit": "degrees_north"},',
      key: 'dimensions.lat.unit',
      message: /did you mean `units`\?/,
    },
    {
      what: 'a misspelt section',
      line: 2,
      text: '  "settings": {"driver": "pod.py"}, "dta": {},',
      key: 'dta',
      message: /unknown key `dta` in the top level; did you mean `data`\?/,
    },
    {
      what: 'an unknown key with nothing close',
      line: 2,
      text: '  "settings": {"driver": "pod.py", "zzz_colour": "blue"},',
      key: 'settings.zzz_colour',
      message: /^unknown key `zzz_colour` in `settings`$/,
      hint: /remove it; `settings` may hold: driver, long_name/,
    },
    {
      what: 'an alternate that nothing uses',
      line: 11,
      text: '      "alternates": [],',
      key: 'varlist.prc',
      atLine: 14,
      message: /`prc` is an alternate, but no entry lists it in `alternates`/,
    },
  ];
  for (const { what, line, text, key, message, hint, atLine } of cases) {
    it(`warns about ${what}, located and with a hint, and still loads`, () => {
      const pod = parsePodSettings(withLine(line, text), FILE);
      expect(pod.warnings).to.have.length(1);
      const [first, hintLine] = pod.warnings[0].split('\n');
      const prefix = `${FILE}:${atLine ?? line}:`;
      expect(first.startsWith(prefix), first).to.equal(true);
      expect(
        first
          .slice(prefix.length)
          .replace(/^\d+: /, '')
          .startsWith(`${key}: `),
        first,
      ).to.equal(true);
      expect(first.slice(first.indexOf(`${key}: `) + key.length + 2)).to.match(message);
      expect(hintLine).to.match(/^ {2}hint: /);
      if (hint) expect(hintLine).to.match(hint);
    });
  }
});

describe('suggest', () => {
  const cases: [string, string[], string | undefined][] = [
    ['freq', ['frequency', 'min_frequency', 'realm'], 'frequency'],
    ['unit', ['units', 'realm'], 'units'],
    ['standard_nmae', ['standard_name', 'long_name'], 'standard_name'],
    ['Convention', ['convention', 'driver'], 'convention'],
    ['zzz_colour', ['driver', 'long_name', 'convention'], undefined],
    ['ab', ['frequency'], undefined],
  ];
  for (const [word, candidates, expected] of cases) {
    it(`suggests ${expected === undefined ? 'nothing' : `\`${expected}\``} for \`${word}\``, () => {
      expect(suggest(word, candidates)).to.equal(expected);
    });
  }
});
