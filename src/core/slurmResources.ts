import type { PodSettings } from '../settings/types.js';
import { ValidationError, type Location } from './errors.js';

/** sbatch options fairpod sets itself for its jobs: neither `--slurm-opt` nor `settings.slurm` may set them. */
const OWN_OPTIONS = new Set([
  'array',
  'dependency',
  'output',
  'error',
  'job-name',
  'parsable',
  'chdir',
  'wrap',
  'kill-on-invalid-dep',
]);

/** Checks one sbatch option name (long form, without dashes), failing at `location`. */
function checkName(name: string, location: Location, example: string): void {
  if (!/^[a-z][a-z0-9-]*$/.test(name))
    throw new ValidationError(`"${name}" is not an sbatch option name`, {
      location,
      hint: `use sbatch's long option names without the dashes, e.g. ${example}`,
    });
  if (OWN_OPTIONS.has(name))
    throw new ValidationError(`sbatch option ${name} is set by fairpod for its jobs`, {
      location,
      hint: `leave it out; fairpod sets ${[...OWN_OPTIONS].join(', ')}`,
    });
}

/**
 * `--slurm-opt` values (`name=value`, `--name=value`, or a bare `name` for a flag) as name → value, e.g.
 * `partition=debug` → `{partition: 'debug'}`. A later value of the same name wins.
 */
export function parseSlurmOptions(values: string[]): Record<string, string> {
  const options: Record<string, string> = {};
  for (const raw of values) {
    const text = raw.replace(/^--?/, '');
    const eq = text.indexOf('=');
    const name = eq < 0 ? text : text.slice(0, eq);
    checkName(name, { key: '--slurm-opt' }, '--slurm-opt partition=debug --slurm-opt time=00:30:00');
    options[name] = eq < 0 ? '' : text.slice(eq + 1);
  }
  return options;
}

/**
 * A POD's own sbatch options: its settings' `settings.slurm` (fairpod's addition to MDTF's settings, an
 * object of sbatch long option names to values, e.g. `{"time": "00:30:00", "mem": "4G", "cpus-per-task":
 * "2"}`). `--slurm-opt` overrides them.
 */
export function podResources(pod: PodSettings): Record<string, string> {
  const hints = (pod.settings.slurm ?? {}) as Record<string, string>;
  for (const name of Object.keys(hints))
    checkName(
      name,
      { file: pod.file, key: `settings.slurm.${name}` },
      '"slurm": {"time": "00:30:00", "mem": "4G"}',
    );
  return { ...hints };
}

/** name → value as sbatch arguments: `--name=value`, or `--name` for an empty value. */
export function sbatchArguments(options: Record<string, string>): string[] {
  return Object.entries(options).map(([name, value]) => (value === '' ? `--${name}` : `--${name}=${value}`));
}
