import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FairpodError } from '../core/errors.js';
import { shellQuote } from '../core/shellQuote.js';
import { CLI_MAIN } from '../paths.js';
import { writeFileAtomic } from '../store/atomicWrite.js';
import { Project } from './project.js';
import { createToken } from './rest/tokens.js';

/**
 * The registry user FAIR-CLI's local registry has and the language APIs look up: pyDataPipeline's
 * `initialise` asks `users?username=admin`, then that user's `user_author`.
 */
export const FAIR_CLI_USER = 'admin';

/** What `installFairCliRegistry` made. */
export interface FairCliRegistry {
  dir: string;
  /** The token file FAIR-CLI reads (`registries.local.token`), mode 600. */
  tokenFile: string;
}

/** Where FAIR-CLI looks for its local registry: `$FAIR_REGISTRY_DIR`, else `~/.fair/registry`. */
export function defaultFairCliRegistryDir(): string {
  return process.env.FAIR_REGISTRY_DIR ?? path.join(os.homedir(), '.fair', 'registry');
}

/**
 * FAIR-CLI starts and stops its local registry with `scripts/start_fair_registry -p PORT -a ADDRESS` and
 * `scripts/stop_fair_registry` in the registry directory, reads the port and address it ended on from
 * `session_port.log` and `session_address.log`, and the token from `token` (fair/registry/server.py,
 * fair/common.py). These scripts do that for `fairpod registry serve` on the fairpod project in the same
 * directory. The start script returns once the server answers, as the Django registry's does.
 */
function startScript(node: string, cli: string): string {
  return `#!/bin/bash
# Written by \`fairpod registry install\`: FAIR-CLI starts its local registry with this script.
PORT=8000
ADDRESS=127.0.0.1
while getopts ":a:p:s:h" opt; do
  case \${opt} in
    a) ADDRESS="\${OPTARG}" ;;
    p) PORT="\${OPTARG}" ;;
    s) ;; # a Django settings module: fairpod has none
    h) echo "start_fair_registry [-p <port>][-a <address>]"; exit 0 ;;
    \\?) echo "Invalid option -\${OPTARG} see -h" >&2 ;;
  esac
done
if ! [[ "$PORT" =~ ^[0-9]+$ ]]; then
  echo "Invalid port '$PORT' specified" >&2
  exit 1
fi
HERE="$(cd "$(dirname "\${BASH_SOURCE[0]}")/.." && pwd)"
cd "$HERE" || exit 1
# FAIR-CLI leaves the registry running after a command and starts it again for the next one.
if [[ -f "$HERE/session.pid" ]] && kill -0 "$(cat "$HERE/session.pid")" 2>/dev/null; then
  echo "the registry is already running (pid $(cat "$HERE/session.pid"))"
  exit 0
fi
nohup ${shellQuote(node)} ${shellQuote(cli)} registry serve --port "$PORT" --host "$ADDRESS" > "$HERE/output.log" 2>&1 &
echo $! > "$HERE/session.pid"
echo "$PORT" > "$HERE/session_port.log"
echo "$ADDRESS" > "$HERE/session_address.log"
for _ in $(seq 1 300); do
  # Ours is up when it says so: another server on the port would answer a probe too.
  grep -q '^serving the registry at ' "$HERE/output.log" 2>/dev/null && exit 0
  kill -0 "$(cat "$HERE/session.pid")" 2>/dev/null || break
  sleep 0.1
done
echo "the registry did not start: see $HERE/output.log" >&2
cat "$HERE/output.log" >&2
exit 1
`;
}

const STOP_SCRIPT = `#!/bin/bash
# Written by \`fairpod registry install\`: FAIR-CLI stops its local registry with this script.
HERE="$(cd "$(dirname "\${BASH_SOURCE[0]}")/.." && pwd)"
PID="$(cat "$HERE/session.pid" 2>/dev/null)"
[[ -n "$PID" ]] || { echo "no registry started from $HERE" >&2; exit 0; }
kill "$PID" 2>/dev/null
for _ in $(seq 1 100); do
  kill -0 "$PID" 2>/dev/null || { rm -f "$HERE/session.pid"; exit 0; }
  sleep 0.1
done
kill -9 "$PID" 2>/dev/null
rm -f "$HERE/session.pid"
`;

/**
 * Makes `dir` a local registry FAIR-CLI can start, stop and write to, in place of the Django one
 * `fair registry install` sets up: a fairpod project whose user is `admin` (with an author, as `fair init`
 * expects), a token for that user, and the start and stop scripts. A directory that already holds another
 * registry (a Django `manage.py`) is refused rather than overwritten.
 */
export async function installFairCliRegistry(
  dir: string,
  options: { identifier?: string; namespace?: string } = {},
): Promise<FairCliRegistry> {
  const home = path.resolve(dir);
  const scripts = path.join(home, 'scripts');
  const django = path.join(home, 'manage.py');
  if (
    await fs.stat(django).then(
      () => true,
      () => false,
    )
  )
    throw new FairpodError(`${home} already holds a FAIR data registry (${django})`, {
      hint: 'uninstall it first (`fair registry uninstall`), or install into another directory with --directory and set FAIR_REGISTRY_DIR',
    });
  await fs.mkdir(scripts, { recursive: true });
  const project = await Project.init(home, {
    user: FAIR_CLI_USER,
    namespace: options.namespace,
    identifier: options.identifier,
  });
  const tokenFile = path.join(home, 'token');
  try {
    const token = await createToken(project.registry, FAIR_CLI_USER);
    await writeFileAtomic(tokenFile, `${token}\n`, 0o600);
  } finally {
    await project.close();
  }
  await writeFileAtomic(
    path.join(scripts, 'start_fair_registry'),
    startScript(process.execPath, CLI_MAIN),
    0o755,
  );
  await writeFileAtomic(path.join(scripts, 'stop_fair_registry'), STOP_SCRIPT, 0o755);
  return { dir: home, tokenFile };
}
