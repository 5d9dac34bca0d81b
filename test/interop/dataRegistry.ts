import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { copyPeer } from './peers.js';

const run = promisify(execFile);

/** Debian's Python, which has the registry's packages (`python3` on PATH may be another one). */
export const DEBIAN_PYTHON = process.env.FAIRPOD_DEBIAN_PYTHON ?? '/usr/bin/python3';

/** A FAIR data registry (FAIRDataPipeline/data-registry, Django) running on 127.0.0.1 for a test. */
export interface DataRegistry {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The DRF token of its superuser `admin`, as `manage.py get_token` prints it. */
  token: string;
  /** Stops the server (the test's own child process). */
  close(): Promise<void>;
}

/**
 * The smallest settings module on top of the registry's own `drams/base_settings.py` and
 * `drams/local-settings.py` (DEBUG, SQLite, 127.0.0.1) that Debian 12's packages run. Left out, as they are
 * not in Debian and serve only the HTML pages and GitHub/GitLab login, never the REST API: grappelli (admin
 * skin), django_bootstrap_breadcrumbs, crispy_bootstrap3 (and crispy_forms with them: HTML forms),
 * social_django (its context processors, auth backends and URLs). The registry's pinned Django 4.2 and
 * Debian's 3.2 differ in nothing the API uses.
 */
const SETTINGS = `
import os
from drams.base_settings import *

DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1"]
NOT_IN_DEBIAN = ("grappelli", "django_bootstrap_breadcrumbs", "crispy_forms", "crispy_bootstrap3", "social_django")
INSTALLED_APPS = [a for a in INSTALLED_APPS if a not in NOT_IN_DEBIAN]
TEMPLATES[0]["OPTIONS"]["context_processors"] = [
    c for c in TEMPLATES[0]["OPTIONS"]["context_processors"] if not c.startswith("social_django")
]
AUTHENTICATION_BACKENDS = ("django.contrib.auth.backends.ModelBackend",)
ROOT_URLCONF = "urls_fairpod_test"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["FAIRPOD_TEST_DB"]}}
`;

/**
 * The registry's URLs without grappelli's and social_django's (drams/urls.py). django-filter renamed
 * DjangoFilterBackend.default_filter_set to filterset_base (Debian 12 has 23.1; the registry pins 2.3):
 * without the new name the registry's glob filter on name fields (\`?name=a/*\`) is never applied, and a
 * glob matches nothing. Set here under the new name, as the registry means it.
 */
const URLS = `
from django.urls import include, path
from data_management.rest import views

views.CustomDjangoFilterBackend.filterset_base = views.CustomFilterSet
urlpatterns = [path("", include("data_management.urls"))]
`;

/**
 * Stand-in for rocrate (ro-crate-py, not in Debian): data_management/rocrate.py imports these three names
 * at start-up; only the /api/ro-crate/ views call them, and those are not used by fairpod.
 */
const ROCRATE_STANDIN: Record<string, string> = {
  'rocrate/__init__.py': '',
  'rocrate/rocrate.py': [
    'class _NotInDebian:',
    '    def __init__(self, *args, **kwargs):',
    '        raise RuntimeError("rocrate stand-in (fairpod test): /api/ro-crate/ is not served")',
    'class ROCrate(_NotInDebian): pass',
    'class ContextEntity(_NotInDebian): pass',
    '',
  ].join('\n'),
  'rocrate/model/__init__.py': '',
  'rocrate/model/person.py': 'from rocrate.rocrate import _NotInDebian\nclass Person(_NotInDebian): pass\n',
};

/** A TCP port free on 127.0.0.1 now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200, the child exits, or `timeoutMs` passes. */
async function waitUntilServing(url: string, child: ChildProcess, log: () => string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the FAIR data registry exited:\n${log()}`);
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the FAIR data registry did not answer ${url} within ${timeoutMs} ms:\n${log()}`);
}

/**
 * Starts the FAIR data registry from its source (test/peers/data-registry.tar.gz) in `dir`, as its
 * scripts/rebuild-local.sh and scripts/start_fair_registry set up a local registry: makemigrations,
 * migrate, createsuperuser `admin`, get_token, runserver on a free port of 127.0.0.1.
 */
export async function startDataRegistry(dir: string): Promise<DataRegistry> {
  const check = await run(DEBIAN_PYTHON, [
    '-c',
    'import django, rest_framework, django_filters, django_extensions, prov, pydot, rdflib, semver, boto3, markdown, dateutil, yaml',
  ]).catch((err: Error) => err);
  if (check instanceof Error) {
    throw new Error(
      `${DEBIAN_PYTHON} lacks the FAIR data registry's packages (${check.message.trim().split('\n').at(-1)}).\n` +
        '  hint: bash .ci/setup.d/50-python.sh (as root), or set FAIRPOD_DEBIAN_PYTHON',
    );
  }
  const source = copyPeer('data-registry', dir);
  const pythonPath = path.join(dir, 'python');
  const files = { 'settings_fairpod_test.py': SETTINGS, 'urls_fairpod_test.py': URLS, ...ROCRATE_STANDIN };
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(pythonPath, name)), { recursive: true });
    await fs.writeFile(path.join(pythonPath, name), text);
  }
  const env = {
    ...process.env,
    PYTHONPATH: pythonPath,
    DJANGO_SETTINGS_MODULE: 'settings_fairpod_test',
    FAIRPOD_TEST_DB: path.join(dir, 'registry.sqlite3'),
    DJANGO_SUPERUSER_USERNAME: 'admin',
    DJANGO_SUPERUSER_EMAIL: 'admin@example.org',
    DJANGO_SUPERUSER_PASSWORD: 'fairpod-test-admin',
  };
  const manage = (...args: string[]) =>
    run(DEBIAN_PYTHON, ['manage.py', ...args], { cwd: source, env, maxBuffer: 16 << 20 });
  // The registry ships no migrations: its rebuild scripts make them.
  await manage('makemigrations', 'custom_user');
  await manage('makemigrations', 'data_management');
  await manage('migrate');
  await manage('createsuperuser', '--noinput');
  const token = (await manage('get_token')).stdout.trim();
  const port = await freePort();
  const child = spawn(DEBIAN_PYTHON, ['manage.py', 'runserver', `127.0.0.1:${port}`, '--noreload'], {
    cwd: source,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitUntilServing(`${url}/api/`, child, () => output.slice(-4000));
  } catch (err) {
    await close();
    throw err;
  }
  return { url, token, close };
}
