import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from '../../src/paths.js';

const SLURM_SCRIPT = path.join(PACKAGE_ROOT, '.ci', 'setup.d', '60-slurm.sh');
let ready: Promise<void> | undefined;
let startedCluster = false;

/**
 * Makes sure the single-machine Slurm cluster runs: `FAIRPOD_TEST_SLURM` (set by .ci/run) says it does;
 * else the CI setup script starts it where slurm-wlm and munge are installed. Never skips: without Slurm
 * the tests fail with a hint.
 */
export function slurmCluster(): Promise<void> {
  ready ??= (async () => {
    if (process.env.FAIRPOD_TEST_SLURM) return;
    try {
      const { stdout } = await promisify(execFile)('bash', [SLURM_SCRIPT, 'start'], { encoding: 'utf8' });
      startedCluster = /^STARTED=1$/m.test(stdout);
    } catch (err) {
      throw new Error(
        `the --executor slurm tests need a Slurm cluster: install it (apt-get install slurm-wlm munge) and run as ` +
          `root so ${SLURM_SCRIPT} can start it, or set FAIRPOD_TEST_SLURM=1 where one runs (${(err as Error).message})`,
        { cause: err },
      );
    }
  })();
  return ready;
}

// Root hook: stop the cluster only if these tests started it.
after(async () => {
  if (startedCluster) await promisify(execFile)('bash', [SLURM_SCRIPT, 'stop']);
});
