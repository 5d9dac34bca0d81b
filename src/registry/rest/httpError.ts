/** An error answered with an HTTP status and a JSON body (Django REST framework's shapes: `{detail}` or per-field lists). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(typeof body.detail === 'string' ? body.detail : JSON.stringify(body));
  }

  /** A 400 with per-field messages, e.g. `{name: ['This field is required.']}`. */
  static fields(errors: Record<string, string[]>): HttpError {
    return new HttpError(400, errors);
  }
}

/** `http://host/api/<table>/<id>/` for a row. */
export function rowUrl(base: string, table: string, id: number): string {
  return `${base}/api/${table}/${id}/`;
}

/** The id in a row URL if it names `table` (any host: registries are reached under several names), else undefined. */
export function idFromUrl(value: string, table: string): number | undefined {
  let pathname: string;
  try {
    pathname = new URL(value).pathname;
  } catch {
    return undefined;
  }
  const m = /^(?:.*)\/api\/([a-z_]+)\/(\d+)\/?$/.exec(pathname);
  return m && m[1] === table ? Number(m[2]) : undefined;
}
