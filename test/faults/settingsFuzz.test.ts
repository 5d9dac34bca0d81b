import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FairpodError } from '../../src/core/errors.js';
import { validateDocument } from '../../src/settings/documentValidators.js';
import '../../src/settings/fairConfigValidator.js';
import { runFairpod } from './support.js';

/** An MDTF-style POD settings file, written by the test (comments, alternates, a scalar coordinate). */
const SETTINGS = `// a POD for the fuzzer
{
  "settings": {
    "driver": "demo.py",
    "long_name": "fuzzed POD",
    "convention": "cmip",
    "runtime_requirements": { "python3": ["numpy"] }
  },
  "dimensions": {
    "lat": { "standard_name": "latitude" },
    "lon": { "standard_name": "longitude" },
    "time": { "standard_name": "time" },
    "plev": { "standard_name": "air_pressure", "units": "hPa", "positive": "down" }
  },
  "varlist": {
    "tas": {
      "standard_name": "air_temperature", "units": "K", "frequency": "mon",
      "dimensions": ["time", "lat", "lon"], "alternates": [["ts"]]
    },
    "ts": { "standard_name": "surface_temperature", "units": "K", "frequency": "mon",
      "dimensions": ["time", "lat", "lon"], "requirement": "alternate" },
    "u850": { "standard_name": "eastward_wind", "units": "m s-1", "frequency": "mon",
      "dimensions": ["time", "lat", "lon"], "scalar_coordinates": { "plev": 850 } }
  }
}
`;

/** A small seeded generator, so a failing case can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const TOKENS = [
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '"',
  '//',
  '/*',
  '*/',
  'null',
  '-1e999',
  '\\u0000',
  '\n',
  ' ',
  'true',
];

/** One random mutation: delete, duplicate, insert a token, or wrap a span in many brackets. */
function mutate(text: string, rnd: () => number): string {
  const at = Math.floor(rnd() * text.length);
  const len = Math.floor(rnd() * 40);
  switch (Math.floor(rnd() * 5)) {
    case 0:
      return text.slice(0, at) + text.slice(at + len);
    case 1:
      return text.slice(0, at) + text.slice(at, at + len).repeat(2) + text.slice(at);
    case 2:
      return text.slice(0, at) + TOKENS[Math.floor(rnd() * TOKENS.length)]! + text.slice(at);
    case 3: {
      const n = Math.floor(rnd() * 5000);
      return (
        text.slice(0, at) + '['.repeat(n) + text.slice(at, at + len) + ']'.repeat(n) + text.slice(at + len)
      );
    }
    default: {
      const n = Math.floor(rnd() * 5000);
      return text.slice(0, at) + '{"a":'.repeat(n) + '1' + '}'.repeat(n) + text.slice(at);
    }
  }
}

/** The YAML form of a deep document: block sequences and mappings nested `n` levels. */
function deepYaml(n: number): string {
  return [
    'settings:',
    '  driver: x.py',
    'varlist:',
    '  tas:',
    `    dims: ${'['.repeat(n)}${']'.repeat(n)}`,
    `    nested:\n      ${'- '.repeat(n)}x`,
    '',
  ].join('\n');
}

describe('faults: fuzzed settings files end in a located error or success, never an internal error or a hang', function () {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-fuzz-'));
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  /** Validates `text` as `name`; only FairpodErrors that name the file (with a line when it is a syntax error) are allowed. */
  async function check(name: string, text: string, label: string): Promise<void> {
    const file = path.join(dir, name);
    await fs.writeFile(file, text);
    const started = Date.now();
    try {
      await validateDocument(file);
    } catch (err) {
      if (!(err instanceof FairpodError))
        throw new Error(`${label}: internal error ${String((err as Error).stack)}`, { cause: err });
      expect(err.format(), label).to.include(file);
    }
    expect(Date.now() - started, `${label} took too long`).to.be.lessThan(5_000);
  }

  it('the unmutated file validates', async () => {
    const file = path.join(dir, 'settings.jsonc');
    await fs.writeFile(file, SETTINGS);
    await validateDocument(file);
  });

  it('200 random mutations of settings.jsonc, each under 5 s', async function () {
    this.timeout(120_000);
    for (let seed = 1; seed <= 200; seed++) {
      const rnd = random(seed);
      let text = SETTINGS;
      for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) text = mutate(text, rnd);
      await check('settings.jsonc', text, `seed ${seed}`);
    }
  });

  for (const n of [65, 5_000, 200_000]) {
    it(`nesting ${n} levels deep in JSONC and YAML is a located error`, async () => {
      const jsonc = SETTINGS.replace('"frequency": "mon",', `"frequency": ${'['.repeat(n)}${']'.repeat(n)},`);
      for (const [name, text] of [
        ['deep.jsonc', jsonc],
        ['deep.yaml', deepYaml(n)],
      ] as const) {
        const file = path.join(dir, name);
        await fs.writeFile(file, text);
        const err = await validateDocument(file).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, name).to.be.instanceOf(FairpodError);
        expect((err as FairpodError).format()).to.match(
          new RegExp(`${name}:\\d+:\\d+: nested more than 64 levels deep`),
        );
      }
    });
  }

  it('fairpod validate on a deeply nested file exits 2 with the location, as a process under a time limit', async () => {
    const file = path.join(dir, 'cli.jsonc');
    await fs.writeFile(file, `{"varlist": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    const r = await runFairpod(['validate', file], { timeoutMs: 20_000 });
    expect(r.hung).to.equal(false);
    expect(r.code).to.equal(2);
    expect(r.stdout + r.stderr).to.match(/cli\.jsonc:1:\d+: nested more than 64 levels deep/);
    expect(r.stderr).to.not.include('internal error');
  });
});
