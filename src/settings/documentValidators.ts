import { ValidationError } from '../core/errors.js';
import { loadLocatedDocument, type LocatedDocument } from './locatedDocument.js';
import { looksLikePodSettings, podSettingsFromDocument } from './podSettings.js';

/** What a validator found in a file that is valid. */
export interface ValidationReport {
  /** A short count of what the file holds, e.g. `6 variables`. */
  summary: string;
  /** Non-fatal findings, formatted with file:line:column. */
  warnings: string[];
}

/** Checks one kind of document (POD settings, run configs ...). */
export interface DocumentValidator {
  /** What the kind of document is called, e.g. `POD settings`. */
  name: string;
  /** How it is recognised, for the message when no validator recognises a document, e.g. "a `varlist` or `settings` section". */
  expects: string;
  /** Is this parsed document of this validator's kind? */
  detects(value: unknown, file: string): boolean;
  /** Validates the document (already parsed from `file`); throws a `FairpodError` listing the problems. */
  validate(file: string, document: LocatedDocument): ValidationReport | Promise<ValidationReport>;
}

/** A file that passed, and which validator passed it. */
export interface DocumentValidation extends ValidationReport {
  file: string;
  validator: string;
}

const validators: DocumentValidator[] = [];

/** Adds a kind of document that `validateDocument` (and `fairpod validate`) can check. Names must be unique. */
export function registerValidator(validator: DocumentValidator): void {
  if (validators.some((v) => v.name === validator.name))
    throw new Error(`a validator named "${validator.name}" is already registered`);
  validators.push(validator);
}

/** The registered validators, in the order they are tried. */
export function registeredValidators(): readonly DocumentValidator[] {
  return validators;
}

/**
 * Parses `file` and validates it with the first validator that recognises it.
 * Throws a located `FairpodError` for unreadable files, syntax errors, invalid content, and documents no validator recognises.
 */
export async function validateDocument(file: string): Promise<DocumentValidation> {
  const document = await loadLocatedDocument(file);
  const validator = validators.find((v) => v.detects(document.value, file));
  if (validator === undefined) {
    throw new ValidationError('not a kind of document fairpod can validate', {
      location: { file, line: 1, column: 1 },
      hint: `expected ${validators.map((v) => `${v.name} (with ${v.expects})`).join(' or ')}`,
    });
  }
  const report = await validator.validate(file, document);
  return { file, validator: validator.name, ...report };
}

/** POD settings (MDTF `settings.jsonc`, or the same as YAML). */
export const podSettingsValidator: DocumentValidator = {
  name: 'POD settings',
  expects: 'a `settings` or `varlist` section',
  detects: (value) => looksLikePodSettings(value),
  validate(_file, document) {
    const pod = podSettingsFromDocument(document);
    const n = pod.varlist.length;
    return { summary: `${n} variable${n === 1 ? '' : 's'}`, warnings: pod.warnings };
  },
};

// The built-in kinds of document. Add a new kind with one more registration here.
registerValidator(podSettingsValidator);
