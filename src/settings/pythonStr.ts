/**
 * Python's `str()` of a value read from JSON or YAML, which is how MDTF 4.2 turns a non-string
 * `pod_env_vars` value into an environment variable (`pod_setup.py`: `if not isinstance(v, str): v = str(v)`):
 * `2010` → `2010`, `1.0` → `1.0`, `false` → `False`, `[12, 1, 2]` → `[12, 1, 2]`, `["a"]` → `['a']`,
 * `{"a": 1}` → `{'a': 1}`, `null` → `None`. Written by hand: no npm library reproduces Python's repr.
 */

/** Is the number written as a float (`1.0`, `1e3`, `.5`), which Python keeps apart from an int? */
export type FloatTest = (path: readonly (string | number)[]) => boolean;

/** Python's repr of a float: shortest round-trip digits, scientific below 1e-4 and from 1e16, always a `.` or exponent. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs < 1e-4 || abs >= 1e16) {
    // JS: 1e+21, 1.5e-7; Python: 1e+21, 1.5e-07 (at least two exponent digits).
    const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
    const sign = exponent.startsWith('-') ? '-' : '+';
    const digits = exponent.replace(/^[+-]/, '').padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  // Below 1e21 JS never uses an exponent for these magnitudes; it omits `.0` for whole numbers.
  const s = String(x);
  return s.includes('.') ? s : `${s}.0`;
}

/** Python's repr of a str: single quotes unless the text holds `'` and no `"`; backslash escapes as Python writes them. */
export function pythonStringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}

function repr(value: unknown, at: (string | number)[], isFloat: FloatTest): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    return Number.isInteger(value) && !isFloat(at) ? String(value) : pythonFloatRepr(value);
  }
  if (typeof value === 'string') return pythonStringRepr(value);
  if (Array.isArray(value)) return `[${value.map((v, i) => repr(v, [...at, i], isFloat)).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>);
  return `{${entries.map(([k, v]) => `${pythonStringRepr(k)}: ${repr(v, [...at, k], isFloat)}`).join(', ')}}`;
}

/**
 * `str(value)` as Python computes it. `isFloat(path)` says whether the number at `path` (relative to `value`)
 * was written as a float; JSON and YAML parsers in JavaScript lose that, so the caller asks the source text.
 */
export function pythonStr(value: unknown, isFloat: FloatTest = () => false): string {
  return typeof value === 'string' ? value : repr(value, [], isFloat);
}

/** Is a number's source text (JSON or YAML) a float literal? */
export function isFloatLiteral(source: string | undefined): boolean {
  if (source === undefined) return false;
  const s = source.trim();
  if (/^[-+]?0[xo]/i.test(s)) return false;
  return /[.eE]|^[-+]?\.?(inf|nan)$/i.test(s);
}
