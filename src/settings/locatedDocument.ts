import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  createScanner,
  findNodeAtLocation,
  getNodePath,
  parseTree,
  ParseErrorCode,
  SyntaxKind,
  type Node as JsonNode,
  type ParseError,
} from 'jsonc-parser';
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  Parser,
  type CST,
  type Document,
} from 'yaml';
import { ValidationError } from '../core/errors.js';

/** The two text formats fairpod reads settings and configs in. */
export type DocumentFormat = 'jsonc' | 'yaml';

/** A path into a document: object keys as strings, list indices as numbers, e.g. `['varlist', 'tas', 'dimensions', 0]`. */
export type KeyPath = readonly (string | number)[];

/** A 1-based line and column in a file. */
export interface Position {
  line: number;
  column: number;
}

/** A parsed JSONC or YAML document that still knows where each of its parts was written. */
export interface LocatedDocument {
  /** The file as given by the caller (used in messages). */
  file: string;
  format: DocumentFormat;
  /** The document as plain JavaScript data (objects, arrays, strings, numbers, booleans, null). */
  value: unknown;
  /**
   * Where the thing at `keyPath` is written: its key (`part: 'key'`, the default) or its value.
   * For list items and the root, which have no key, both give the value. Undefined if the path does not exist.
   */
  locate(keyPath: KeyPath, part?: 'key' | 'value'): Position | undefined;
  /** The text of the value at `keyPath` as written (e.g. `1.0`, which `value` holds as the number 1); undefined if absent. */
  source(keyPath: KeyPath): string | undefined;
}

/** `varlist.tas.dimensions[0]`: a key path as users read it in messages. */
export function formatKeyPath(keyPath: KeyPath): string {
  let out = '';
  for (const segment of keyPath) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${segment}` : segment;
  }
  return out;
}

/** The format of a file by its extension: `.jsonc`/`.json` → JSONC, `.yaml`/`.yml` → YAML. */
export function documentFormat(file: string): DocumentFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.jsonc' || ext === '.json') return 'jsonc';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  throw new ValidationError(`unknown file type \`${ext || '(no extension)'}\``, {
    location: { file },
    hint: 'name the file with .jsonc or .json (JSON with comments) or with .yaml or .yml (YAML)',
  });
}

/** Reads and parses `file` (format by extension); unreadable files and syntax errors throw a located `ValidationError`. */
export async function loadLocatedDocument(file: string): Promise<LocatedDocument> {
  const format = documentFormat(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw unreadableFileError(file, err);
  }
  return parseLocatedDocument(text, file, format);
}

/** Parses `text` as the content of `file`; `format` defaults to the one the file's extension names. */
export function parseLocatedDocument(
  text: string,
  file: string,
  format: DocumentFormat = documentFormat(file),
): LocatedDocument {
  // A byte-order mark is legal in both formats' files but not to the JSONC scanner.
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  // Both parsers (and everything that walks their trees) recurse once per level: a bound keeps a hostile or
  // garbled file from overflowing the stack, and makes it a located error instead.
  const tooDeep = format === 'jsonc' ? jsoncTooDeep(source) : yamlTooDeep(source);
  if (tooDeep !== undefined) {
    const { line, column } = offsetToPosition(source)(tooDeep);
    throw new ValidationError(`nested more than ${MAX_NESTING} levels deep`, {
      location: { file, line, column },
      hint: 'settings and configs nest a few levels; check for unclosed or stray brackets or indentation here',
    });
  }
  return format === 'jsonc' ? parseJsonc(source, file) : parseYaml(source, file);
}

/** The deepest nesting of objects and lists a settings or config file may have. */
export const MAX_NESTING = 64;

/** The offset of the first `{` or `[` that opens level `MAX_NESTING + 1`, scanned without recursion. */
function jsoncTooDeep(text: string): number | undefined {
  const scanner = createScanner(text, true);
  let depth = 0;
  for (let kind = scanner.scan(); kind !== SyntaxKind.EOF; kind = scanner.scan()) {
    if (kind === SyntaxKind.OpenBraceToken || kind === SyntaxKind.OpenBracketToken) {
      if (++depth > MAX_NESTING) return scanner.getTokenOffset();
    } else if (kind === SyntaxKind.CloseBraceToken || kind === SyntaxKind.CloseBracketToken) {
      depth = Math.max(0, depth - 1);
    }
  }
  return undefined;
}

/** The offset of the first YAML collection at level `MAX_NESTING + 1`, from yaml's (non-recursive) CST parser. */
function yamlTooDeep(text: string): number | undefined {
  const stack: Array<[token: CST.Token | null | undefined, depth: number]> = [];
  for (const token of new Parser().parse(text)) if (token.type === 'document') stack.push([token.value, 0]);
  while (stack.length) {
    const [token, depth] = stack.pop()!;
    if (
      !token ||
      (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection')
    )
      continue;
    if (depth + 1 > MAX_NESTING) return token.offset;
    for (const item of token.items) {
      stack.push([item.value, depth + 1]);
      if ('key' in item) stack.push([item.key, depth + 1]);
    }
  }
  return undefined;
}

function unreadableFileError(file: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT')
    return new ValidationError('no such file', {
      location: { file },
      hint: 'check the path and the spelling of the file name',
    });
  if (code === 'EISDIR') {
    return new ValidationError('is a directory, not a file', {
      location: { file },
      hint: `give the file inside it, e.g. ${path.join(file, 'settings.jsonc')}`,
    });
  }
  if (code === 'EACCES')
    return new ValidationError('permission denied', {
      location: { file },
      hint: 'make the file readable by this user',
    });
  return err;
}

/** Maps character offsets to 1-based line:column. */
function offsetToPosition(text: string): (offset: number) => Position {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo] + 1 };
  };
}

// ---- JSONC ----

const JSONC_PROBLEMS: Partial<Record<ParseErrorCode, [message: string, hint: string]>> = {
  [ParseErrorCode.CommaExpected]: [
    'missing comma',
    'add a `,` here: entries of an object or list are separated by commas',
  ],
  [ParseErrorCode.ColonExpected]: ['missing colon', 'write each entry as `"key": value`'],
  [ParseErrorCode.PropertyNameExpected]: [
    'expected a key',
    'keys must be strings in double quotes: `"key": value`',
  ],
  [ParseErrorCode.ValueExpected]: [
    'expected a value',
    'give a value: a string in double quotes, a number, true/false, null, an object `{...}` or a list `[...]`',
  ],
  [ParseErrorCode.CloseBraceExpected]: ['an object is not closed', 'check that every `{` has a matching `}`'],
  [ParseErrorCode.CloseBracketExpected]: ['a list is not closed', 'check that every `[` has a matching `]`'],
  [ParseErrorCode.EndOfFileExpected]: [
    'text after the end of the document',
    'the file holds one object: remove what follows its closing `}`',
  ],
  [ParseErrorCode.InvalidSymbol]: [
    'unexpected text',
    'strings need double quotes, and comments start with `//` or `/*`',
  ],
  [ParseErrorCode.InvalidCharacter]: [
    'invalid character in a string',
    'write control characters such as tabs as escapes (`\\t`)',
  ],
  [ParseErrorCode.UnexpectedEndOfString]: [
    'unterminated string',
    'close the string with `"`; strings cannot span lines',
  ],
  [ParseErrorCode.UnexpectedEndOfComment]: ['unterminated comment', 'close the block comment with `*/`'],
  [ParseErrorCode.InvalidEscapeCharacter]: ['invalid escape in a string', 'write a backslash as `\\\\`'],
  [ParseErrorCode.InvalidNumberFormat]: [
    'invalid number',
    'write numbers as in JSON, e.g. `500`, `0.5`, `-1e3`',
  ],
};

function parseJsonc(text: string, file: string): LocatedDocument {
  const toPosition = offsetToPosition(text);
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, {
    allowTrailingComma: true,
    disallowComments: false,
    allowEmptyContent: false,
  });
  if (errors.length > 0 || root === undefined) {
    throw jsoncSyntaxError(
      text,
      file,
      errors[0] ?? { error: ParseErrorCode.ValueExpected, offset: 0, length: 0 },
      toPosition,
    );
  }
  rejectDuplicateKeys(root, file, toPosition);
  return {
    file,
    format: 'jsonc',
    value: plainValue(root),
    locate(keyPath, part = 'key') {
      const node = findNodeAtLocation(root, [...keyPath]);
      if (node === undefined) return undefined;
      const keyNode = node.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
      return toPosition((part === 'key' && keyNode ? keyNode : node).offset);
    },
    source(keyPath) {
      const node = findNodeAtLocation(root, [...keyPath]);
      return node && text.slice(node.offset, node.offset + node.length);
    },
  };
}

function jsoncSyntaxError(
  text: string,
  file: string,
  error: ParseError,
  toPosition: (offset: number) => Position,
): ValidationError {
  const [message, hint] = JSONC_PROBLEMS[error.error] ?? [
    'syntax error',
    'fix the JSON syntax here (comments and trailing commas are allowed)',
  ];
  // The parser notices a missing comma at the next entry, possibly lines and comments later; the user must
  // add it right after the previous value, so that is where we point.
  const offset =
    error.error === ParseErrorCode.CommaExpected ? endOfPreviousToken(text, error.offset) : error.offset;
  const { line, column } = toPosition(offset);
  return new ValidationError(message, { location: { file, line, column }, hint });
}

/** The offset just past the last token (not whitespace or comment) that ends at or before `offset`. */
function endOfPreviousToken(text: string, offset: number): number {
  const scanner = createScanner(text, true);
  let end = offset;
  for (
    let kind = scanner.scan();
    kind !== SyntaxKind.EOF && scanner.getTokenOffset() < offset;
    kind = scanner.scan()
  ) {
    end = scanner.getTokenOffset() + scanner.getTokenLength();
  }
  return end;
}

/**
 * The node as plain data. jsonc-parser's own `getNodeValue` builds prototype-less objects, which compare unequal
 * to the same data read from YAML; `Object.fromEntries` also keeps a `__proto__` key as an ordinary key.
 */
function plainValue(node: JsonNode): unknown {
  if (node.type === 'object') {
    return Object.fromEntries(
      (node.children ?? []).map((property) => [
        String(property.children?.[0]?.value),
        plainValue(property.children![1]),
      ]),
    );
  }
  if (node.type === 'array') return (node.children ?? []).map(plainValue);
  return node.value;
}

/** JSON parsers silently keep one of two equal keys; a settings file that has them is a mistake. */
function rejectDuplicateKeys(node: JsonNode, file: string, toPosition: (offset: number) => Position): void {
  if (node.type === 'object') {
    const seen = new Map<string, number>();
    for (const property of node.children ?? []) {
      const keyNode = property.children?.[0];
      if (keyNode === undefined) continue;
      const key = String(keyNode.value);
      const first = seen.get(key);
      if (first !== undefined) {
        const { line, column } = toPosition(keyNode.offset);
        throw new ValidationError(`duplicate key \`${key}\``, {
          location: { file, line, column, key: formatKeyPath(getNodePath(keyNode)) },
          hint: `remove one of the two: the first is at line ${toPosition(first).line}`,
        });
      }
      seen.set(key, keyNode.offset);
    }
  }
  for (const child of node.children ?? []) rejectDuplicateKeys(child, file, toPosition);
}

// ---- YAML ----

const YAML_HINTS: Record<string, string> = {
  DUPLICATE_KEY: 'remove one of the two entries with this key',
  BAD_INDENT: 'indent nested entries consistently, with spaces',
  TAB_AS_INDENT: 'indent with spaces; YAML does not allow tabs for indentation',
  MISSING_CHAR: 'a closing bracket, brace or quote is missing',
  MULTIPLE_DOCS: 'the file must hold one document: remove the extra `---` section',
  BLOCK_AS_IMPLICIT_KEY: 'write each entry as `key: value`, with a space after the colon',
  MULTILINE_IMPLICIT_KEY: 'write each entry as `key: value` on one line, with a space after the colon',
};

function parseYaml(text: string, file: string): LocatedDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    const at = error.linePos?.[0];
    // prettyErrors appends " at line L, column C:" and a source excerpt; our location already says that.
    const message = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new ValidationError(`YAML syntax error: ${message}`, {
      location: { file, line: at?.line, column: at?.col },
      hint:
        YAML_HINTS[error.code] ??
        'fix the YAML syntax here: entries are `key: value`, nested entries indented with spaces',
    });
  }
  return {
    file,
    format: 'yaml',
    value: doc.toJS() as unknown,
    locate(keyPath, part = 'key') {
      const offset = yamlOffset(doc, keyPath, part);
      if (offset === undefined) return undefined;
      const { line, col } = lineCounter.linePos(offset);
      return { line, column: col };
    },
    source(keyPath) {
      const range = yamlNode(doc, keyPath)?.value?.range;
      return range && text.slice(range[0], range[1]).trim();
    },
  };
}

type RangedNode = { range?: [number, number, number] } | null | undefined;

/** The key and value nodes at `keyPath`; undefined when the path does not exist. */
function yamlNode(doc: Document, keyPath: KeyPath): { key: RangedNode; value: RangedNode } | undefined {
  let node: unknown = doc.contents;
  let keyNode: unknown;
  for (const segment of keyPath) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (pair === undefined) return undefined;
      keyNode = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      keyNode = undefined;
      node = node.items[segment];
    } else {
      return undefined;
    }
  }
  return { key: keyNode as RangedNode, value: node as RangedNode };
}

function yamlOffset(doc: Document, keyPath: KeyPath, part: 'key' | 'value'): number | undefined {
  const found = yamlNode(doc, keyPath);
  if (found === undefined) return undefined;
  const target = part === 'key' && found.key !== undefined ? found.key : (found.value ?? found.key);
  return target?.range?.[0];
}
