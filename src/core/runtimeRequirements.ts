import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Pod } from './pod.js';
import { DEFAULT_INTERPRETERS } from './podDriver.js';

const run = promisify(execFile);

/** The driver extension whose interpreter runs each `runtime_requirements` language (MDTF's names). */
const LANGUAGE_EXTENSION: Record<string, string> = {
  python: '.py',
  python3: '.py',
  r: '.r',
  rscript: '.r',
  ncl: '.ncl',
  bash: '.sh',
  node: '.js',
};

/** Conda package names in MDTF settings whose Python module has another name. */
const PYTHON_MODULE: Record<string, string> = {
  'scikit-learn': 'sklearn',
  pyyaml: 'yaml',
  'python-dateutil': 'dateutil',
  'scikit-image': 'skimage',
  pillow: 'PIL',
  'cartopy-offlinedata': 'cartopy',
};

/** Prints, one a line, the modules given as arguments that this Python cannot import. */
const FIND_MISSING =
  'import importlib.util, sys\nfor m in sys.argv[1:]:\n    if importlib.util.find_spec(m) is None: print(m)';

/**
 * Checks a POD's `runtime_requirements` before it runs: each language's interpreter (the one fairpod will run
 * the driver with, e.g. `--python`) must start, and for Python every listed package must be importable.
 * Returns what is missing, one line each, with what to do; empty when all is there.
 */
export async function missingRequirements(
  pod: Pod,
  interpreters: Record<string, string> = {},
): Promise<string[]> {
  const missing: string[] = [];
  for (const [language, packages] of Object.entries(pod.settings.settings.runtime_requirements)) {
    const ext = LANGUAGE_EXTENSION[language.toLowerCase()];
    const exe = ext ? (interpreters[ext] ?? DEFAULT_INTERPRETERS[ext]!) : language;
    const option = ext === '.py' ? ' or name another with --python' : '';
    if (ext === '.py') {
      const modules = packages.map((p) => PYTHON_MODULE[p.toLowerCase()] ?? p);
      try {
        const { stdout } = await run(exe, ['-c', FIND_MISSING, ...modules]);
        const absent = stdout.split('\n').filter(Boolean);
        if (absent.length) {
          missing.push(
            `${language} packages missing from ${exe}: ${absent.join(', ')} (install them, e.g. Debian's ${absent.map((m) => `python3-${m.toLowerCase()}`).join(' ')}${option})`,
          );
        }
      } catch (err) {
        missing.push(
          `${language} interpreter ${exe} does not run: ${(err as Error).message.split('\n')[0]} (install it${option})`,
        );
      }
      continue;
    }
    try {
      await run('sh', ['-c', 'command -v "$1"', 'sh', exe]);
    } catch {
      missing.push(`${language} interpreter ${exe} is not on PATH (install it)`);
    }
  }
  return missing;
}
