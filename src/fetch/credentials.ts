import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Login for one machine from a netrc file. */
export interface NetrcEntry {
  login?: string;
  password?: string;
}

/**
 * Parses netrc text (`machine`, `default`, `login`, `password`, `account`, `macdef`). Written by hand: the
 * format is a dozen lines of tokens and the npm parsers are unmaintained.
 */
export function parseNetrc(text: string): Map<string, NetrcEntry> {
  const machines = new Map<string, NetrcEntry>();
  // A macro definition runs to the next blank line and holds no logins: drop it before tokenising.
  const tokens = text
    .replace(/(^|\s)macdef[^\n]*\n[\s\S]*?(\n\s*\n|$)/g, '$1')
    .split(/\s+/)
    .filter(Boolean);
  let current: NetrcEntry | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === 'machine') machines.set(tokens[++i] ?? '', (current = {}));
    else if (t === 'default') machines.set('*', (current = {}));
    else if (t === 'login' && current) current.login = tokens[++i];
    else if (t === 'password' && current) current.password = tokens[++i];
    else if (t === 'account') i++;
  }
  return machines;
}

/** What to send to one host: basic auth from netrc or a bearer token from the environment. */
export interface HostCredentials {
  username?: string;
  password?: string;
  bearer?: string;
}

/**
 * Credentials for protected servers, never from the command line: `~/.netrc` (or the file `$NETRC` names)
 * and `FAIRPOD_HTTP_TOKEN`, a bearer token sent only to the hosts in `FAIRPOD_HTTP_TOKEN_HOSTS`
 * (comma-separated). Nothing here is ever logged.
 */
export class CredentialStore {
  private readonly netrc: Map<string, NetrcEntry>;
  private readonly token?: string;
  private readonly tokenHosts: Set<string>;

  constructor(
    env: NodeJS.ProcessEnv = process.env,
    netrcFile = env.NETRC ?? path.join(os.homedir(), '.netrc'),
  ) {
    let text = '';
    try {
      text = fs.readFileSync(netrcFile, 'utf8');
    } catch {
      // No netrc: anonymous access.
    }
    this.netrc = parseNetrc(text);
    this.token = env.FAIRPOD_HTTP_TOKEN || undefined;
    this.tokenHosts = new Set(
      (env.FAIRPOD_HTTP_TOKEN_HOSTS ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    );
  }

  /** The credentials for `hostname`, or undefined. */
  forHost(hostname: string): HostCredentials | undefined {
    const host = hostname.toLowerCase();
    if (this.token && this.tokenHosts.has(host)) return { bearer: this.token };
    const entry = this.netrc.get(host) ?? this.netrc.get('*');
    return entry?.login !== undefined ? { username: entry.login, password: entry.password ?? '' } : undefined;
  }

  /** Request headers carrying the credentials for `url`'s host ({} when none). */
  headersFor(url: URL): Record<string, string> {
    const c = this.forHost(url.hostname);
    if (!c) return {};
    if (c.bearer) return { authorization: `Bearer ${c.bearer}` };
    return { authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` };
  }
}
