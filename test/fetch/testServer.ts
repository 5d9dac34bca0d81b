import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Something a route does wrong once, for one request, before it behaves. */
export type Fault =
  | { kind: 'drop'; afterBytes: number }
  | { kind: 'status'; code: number }
  | { kind: 'wrongBytes' }
  | { kind: 'stall'; afterBytes: number }
  | { kind: 'redirect'; to: string };

/** How one path is served. */
export interface RouteOptions {
  /** Faults for the next requests, one each, in order; then the route serves normally. */
  faults?: Fault[];
  /** Answer `Range` requests with 206 (default) or ignore them and send 200 with the whole body. */
  honourRange?: boolean;
  /** Always redirect to this path or URL. */
  redirectTo?: string;
  /** Hold each response this long before the body (to observe concurrency). */
  delayMs?: number;
}

/** A request as the server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  range?: string;
  authorization?: string;
}

interface Route extends RouteOptions {
  body: Buffer;
  faults: Fault[];
}

/**
 * An HTTP server on 127.0.0.1 (random port) for the downloader's fault tests: per path, it can drop the
 * connection mid-body, answer 500/503, send wrong bytes, stall, ignore or honour Range, and redirect.
 */
export class TestServer {
  readonly requests: SeenRequest[] = [];
  /** Most requests being answered at once. */
  maxActive = 0;
  private active = 0;
  private readonly routes = new Map<string, Route>();
  private readonly sockets = new Set<Socket>();
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private port = 0;

  /** Starts listening; resolves to the base URL (`http://127.0.0.1:PORT`). */
  async start(): Promise<string> {
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this.url('');
  }

  /** The absolute URL of `path`. */
  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Serves `body` at `path`. */
  serve(path: string, body: Buffer, options: RouteOptions = {}): void {
    this.routes.set(path, { ...options, body, faults: [...(options.faults ?? [])] });
  }

  /** Requests made for `path`. */
  requestsFor(path: string): SeenRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Closes the server and every open (including stalled) connection. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    this.requests.push({
      method: req.method ?? 'GET',
      path,
      range: req.headers.range,
      authorization: req.headers.authorization,
    });
    const route = this.routes.get(path);
    if (!route) {
      res.writeHead(404, 'Not Found').end('not found');
      return;
    }
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    res.on('close', () => this.active--);
    if (route.delayMs) await new Promise((resolve) => setTimeout(resolve, route.delayMs));
    if (route.redirectTo) {
      res.writeHead(302, { location: route.redirectTo }).end();
      return;
    }
    const fault = req.method === 'HEAD' ? undefined : route.faults.shift();
    if (fault?.kind === 'status') {
      res.writeHead(fault.code).end(`fault ${fault.code}`);
      return;
    }
    if (fault?.kind === 'redirect') {
      res.writeHead(302, { location: fault.to }).end();
      return;
    }
    let body = route.body;
    if (fault?.kind === 'wrongBytes') body = Buffer.from(body.map((b) => b ^ 0xff));
    const etag = `"${createHash('sha1').update(route.body).digest('hex')}"`;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    let start = 0;
    if (range && route.honourRange !== false) {
      start = Number(range[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, {
        'content-length': body.length - start,
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
        etag,
        'accept-ranges': 'bytes',
      });
    } else {
      res.writeHead(200, {
        'content-length': body.length,
        etag,
        'accept-ranges': route.honourRange === false ? 'none' : 'bytes',
      });
    }
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const part = body.subarray(start);
    if (fault?.kind === 'drop') {
      res.write(part.subarray(0, fault.afterBytes), () => res.destroy());
      return;
    }
    if (fault?.kind === 'stall') {
      // Send the head of the body, then nothing: the socket stays open until the client gives up.
      res.write(part.subarray(0, fault.afterBytes));
      return;
    }
    res.end(part);
  }
}

/** Deterministic pseudo-random bytes for test files. */
export function testBytes(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = x >> 16;
  }
  return out;
}

/** Hex digest of `data`. */
export function digestOf(data: Buffer, algorithm: 'md5' | 'sha1' | 'sha256'): string {
  return createHash(algorithm).update(data).digest('hex');
}
