import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ValidationError } from '../../src/core/errors.js';
import {
  registeredValidators,
  registerValidator,
  validateDocument,
  type DocumentValidator,
} from '../../src/settings/documentValidators.js';

describe('document validators', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'fairpod-validators-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('has POD settings as the first registered kind', () => {
    expect(registeredValidators()[0].name).to.equal('POD settings');
  });

  it('dispatches POD settings to their validator', async () => {
    const file = path.join(dir, 'settings.yaml');
    await writeFile(
      file,
      'settings: {driver: run.py}\ndimensions: {time: {standard_name: time}}\nvarlist:\n  pr: {standard_name: precipitation_flux, dimensions: [time]}\n',
    );
    expect(await validateDocument(file)).to.deep.equal({
      file,
      validator: 'POD settings',
      summary: '1 variable',
      warnings: [],
    });
  });

  it('accepts a new kind of document after one registration', async () => {
    const file = path.join(dir, 'marked.yaml');
    await writeFile(file, 'test_marker: {items: [a, b, c]}\n');
    const rejected = await validateDocument(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(rejected).to.be.instanceOf(ValidationError);
    expect((rejected as ValidationError).message).to.match(/not a kind of document/);

    const marked: DocumentValidator = {
      name: 'marked test documents',
      expects: 'a `test_marker` section',
      detects: (value) => typeof value === 'object' && value !== null && 'test_marker' in value,
      validate: (_file, document) => {
        const items = (document.value as { test_marker: { items: string[] } }).test_marker.items;
        return { summary: `${items.length} items`, warnings: [] };
      },
    };
    registerValidator(marked);
    expect(await validateDocument(file)).to.deep.include({
      validator: 'marked test documents',
      summary: '3 items',
    });
    expect(() => registerValidator(marked)).to.throw(/already registered/);
  });
});
