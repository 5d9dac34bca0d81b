import { ValidationError } from '../core/errors.js';

const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** Parses MAJOR.MINOR.PATCH[-pre][+build]; undefined if `version` is not semantic. */
export function parseSemver(
  version: string,
): { major: number; minor: number; patch: number; pre?: string } | undefined {
  const m = SEMVER.exec(version);
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: m[4] } : undefined;
}

/** Orders semantic versions (a pre-release sorts before its release); non-semantic versions sort first, as text. */
export function compareVersions(a: string, b: string): number {
  const x = parseSemver(a);
  const y = parseSemver(b);
  if (!x || !y) return x ? 1 : y ? -1 : a.localeCompare(b);
  return (
    x.major - y.major ||
    x.minor - y.minor ||
    x.patch - y.patch ||
    (x.pre === y.pre ? 0 : x.pre === undefined ? 1 : y.pre === undefined ? -1 : x.pre.localeCompare(y.pre))
  );
}

/** Which part of MAJOR.MINOR.PATCH a bump increments. */
export type VersionPart = 'MAJOR' | 'MINOR' | 'PATCH';

/** The version after `latest` (or after 0.0.0 when there is none) for a `${{MAJOR}}`/`${{MINOR}}`/`${{PATCH}}` bump. */
export function bumpVersion(latest: string | undefined, part: VersionPart): string {
  const v = latest === undefined ? { major: 0, minor: 0, patch: 0 } : parseSemver(latest);
  if (!v)
    throw new ValidationError(`cannot bump version ${latest}: it is not MAJOR.MINOR.PATCH`, {
      hint: 'give the new version explicitly',
    });
  if (part === 'MAJOR') return `${v.major + 1}.0.0`;
  if (part === 'MINOR') return `${v.major}.${v.minor + 1}.0`;
  return `${v.major}.${v.minor}.${v.patch + 1}`;
}
