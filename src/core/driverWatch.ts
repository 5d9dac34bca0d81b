// Runs one POD driver for fairpod and ties its life to fairpod's: `node driverWatch.js CMD ARG...`.
// The driver runs in a process group of its own, so the whole tree it starts (python, ncl, their children)
// can be signalled at once. When fairpod ends in any way, kill -9 included (this process is then re-parented,
// so its parent pid changes), or sends SIGTERM/SIGINT/SIGHUP, the group is ended and nothing keeps writing
// into the work directory. Node has no PR_SET_PDEATHSIG, hence this small watcher (written by hand).
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

const [command, ...args] = process.argv.slice(2);
const parent = process.ppid;
const child = spawn(command!, args, { stdio: 'inherit', detached: true });

/** Signals the driver's whole process group; it may have ended already. */
function signalGroup(signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // the group is gone
  }
}

/** Ends the group: SIGTERM first, SIGKILL for whatever is left a moment later. */
function endGroup(signal: NodeJS.Signals, exitCode: number): void {
  signalGroup(signal);
  setTimeout(() => {
    signalGroup('SIGKILL');
    process.exit(exitCode);
  }, 2000).unref();
}

const watch = setInterval(() => {
  if (process.ppid !== parent) endGroup('SIGTERM', 137);
}, 250);
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(signal, () => endGroup(signal, 128 + constants.signals[signal]));
}
child.on('error', (err) => {
  process.stderr.write(`fairpod: cannot start ${[command, ...args].join(' ')}: ${err.message}\n`);
  process.exit(127);
});
child.on('exit', (code, signal) => {
  clearInterval(watch);
  // Whatever the driver left running in its group ends with it.
  signalGroup('SIGTERM');
  process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0));
});
