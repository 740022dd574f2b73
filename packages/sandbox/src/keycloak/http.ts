import type { IncomingMessage } from 'node:http';

/** JSON bodies of the admin API's successful answers carry a charset; errors do not. */
export const ADMIN_JSON = 'application/json;charset=UTF-8';
/** The protocol endpoints (token, certs, discovery, userinfo) answer plain JSON. */
export const PLAIN_JSON = 'application/json';

/** What a route handler answers; the simulator serialises it. */
export interface Reply {
  status: number;
  body?: unknown;
  /** Defaults to {@link ADMIN_JSON} for a 2xx with a body, {@link PLAIN_JSON} otherwise. */
  contentType?: string;
  headers?: Record<string, string>;
}

/**
 * A failure with the exact status and body the real server sends. Handlers throw it;
 * the simulator turns it into the answer.
 */
export class KeycloakHttpError extends Error {
  readonly reply: Reply;

  constructor(reply: Reply) {
    super(`keycloak ${reply.status}`);
    this.reply = reply;
  }
}

// Keycloak answers in four shapes; the helpers below name them by where they are used.

/** `{"error": "<prose>"}`: the admin API's not-found answers and the generic HTTP ones. */
export function errorProse(status: number, message: string): KeycloakHttpError {
  return new KeycloakHttpError({
    status,
    body: { error: message },
    contentType: PLAIN_JSON,
  });
}

/** `{"errorMessage": "..."}`: validation failures and conflicts on the admin API. */
export function errorMessage(
  status: number,
  message: string,
): KeycloakHttpError {
  return new KeycloakHttpError({
    status,
    body: { errorMessage: message },
    contentType: PLAIN_JSON,
  });
}

/** RFC 6749 shape: the token endpoint, and a few admin API parse failures. */
export function oauthError(
  status: number,
  error: string,
  description?: string,
): KeycloakHttpError {
  return new KeycloakHttpError({
    status,
    body:
      description === undefined
        ? { error }
        : { error, error_description: description },
    contentType: PLAIN_JSON,
    headers: { 'cache-control': 'no-store', pragma: 'no-cache' },
  });
}

export const notFound = (message: string) => errorProse(404, message);
export const conflict = (message: string) => errorMessage(409, message);
export const badRequest = (message: string) => errorMessage(400, message);
export const unauthorized = () => errorProse(401, 'HTTP 401 Unauthorized');
export const forbidden = () => errorProse(403, 'HTTP 403 Forbidden');

export function ok(body: unknown, contentType = ADMIN_JSON): Reply {
  return { status: 200, body, contentType };
}

export function noContent(): Reply {
  return { status: 204 };
}

export function created(location: string, body?: unknown): Reply {
  return {
    status: 201,
    body,
    headers: { location },
    contentType: body === undefined ? undefined : PLAIN_JSON,
  };
}

/** Everything a handler needs to know about one request. */
export interface RequestContext {
  method: string;
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  headers: IncomingMessage['headers'];
  /** Raw request body (empty for GET). */
  rawBody: Buffer;
  /** Scheme, host and port the request arrived on, without a trailing slash. */
  baseUrl: string;
}

/** Parses the request body as JSON, answering Keycloak's 400 when it is not. */
export function jsonBody<T = Record<string, unknown>>(ctx: RequestContext): T {
  const text = ctx.rawBody.toString('utf8').trim();
  if (text === '') {
    // Keycloak dereferences the missing entity and answers its generic 500.
    throw new KeycloakHttpError({
      status: 500,
      body: {
        error: 'unknown_error',
        error_description: 'For more on this error consult the server log.',
      },
      contentType: PLAIN_JSON,
    });
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw oauthError(400, 'invalid_request', 'Cannot parse the JSON');
  }
}

/** Parses an integer query parameter; a malformed one is Keycloak's router 404. */
export function intParam(
  ctx: RequestContext,
  name: string,
): number | undefined {
  const raw = ctx.query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw notFound('HTTP 404 Not Found');
  return Number(raw);
}

/** Parses a boolean query parameter the way JAX-RS does: only "true" is true. */
export function boolParam(
  ctx: RequestContext,
  name: string,
  defaultValue: boolean,
): boolean {
  const raw = ctx.query.get(name);
  if (raw === null || raw === '') return defaultValue;
  return raw.toLowerCase() === 'true';
}

/**
 * Applies `first` / `max` to a list. Negative values are ignored, as Keycloak's stream
 * paging does; an absent `max` falls back to `defaultMax` (undefined: no limit).
 */
export function paginate<T>(
  items: T[],
  first: number | undefined,
  max: number | undefined,
  defaultMax?: number,
): T[] {
  const start = first !== undefined && first > 0 ? first : 0;
  const limit = max !== undefined && max >= 0 ? max : defaultMax;
  return limit === undefined
    ? items.slice(start)
    : items.slice(start, start + limit);
}

type Handler<C> = (ctx: RequestContext, extra: C) => Reply | Promise<Reply>;

interface Route<M, C> {
  method: string;
  segments: string[];
  /** Index of a trailing `*name` segment that swallows the rest of the path. */
  rest?: string;
  meta: M;
  handler: Handler<C>;
}

/** Result of {@link Router.match}. */
export type RouteMatch<M, C> =
  | { kind: 'found'; route: Route<M, C>; params: Record<string, string> }
  | { kind: 'wrong-method' }
  | { kind: 'none' };

/**
 * Orders two routes of the same length so the more specific one is tried first: at the
 * first position where one has a literal segment and the other a parameter, the literal
 * wins. JAX-RS picks the same way, so `/users/profile` is never read as `/users/{id}`.
 */
export function compareSpecificity(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const pa = a[i].startsWith(':') ? 1 : 0;
    const pb = b[i].startsWith(':') ? 1 : 0;
    if (pa !== pb) return pa - pb;
  }
  return 0;
}

/**
 * A small path router: `:name` matches one segment, a trailing `*name` the rest. Routes
 * are bucketed by segment count so a lookup only compares a handful of candidates, and
 * within a bucket literal segments win over parameters whatever the registration order.
 */
export class Router<M, C> {
  private readonly exact = new Map<number, Route<M, C>[]>();
  private readonly prefixed: Route<M, C>[] = [];

  add(method: string, pattern: string, meta: M, handler: Handler<C>): void {
    const segments = pattern.split('/').filter(Boolean);
    const last = segments[segments.length - 1];
    if (last?.startsWith('*')) {
      this.prefixed.push({
        method,
        segments: segments.slice(0, -1),
        rest: last.slice(1),
        meta,
        handler,
      });
      // Longer prefixes first, then literals before parameters.
      this.prefixed.sort(
        (x, y) =>
          y.segments.length - x.segments.length ||
          compareSpecificity(x.segments, y.segments),
      );
      return;
    }
    const bucket = this.exact.get(segments.length) ?? [];
    bucket.push({ method, segments, meta, handler });
    // Array.prototype.sort is stable: equally specific routes keep their order.
    bucket.sort((x, y) => compareSpecificity(x.segments, y.segments));
    this.exact.set(segments.length, bucket);
  }

  match(method: string, rawSegments: string[]): RouteMatch<M, C> {
    let wrongMethod = false;
    const tryRoute = (route: Route<M, C>, segments: string[]) => {
      const params: Record<string, string> = {};
      for (let i = 0; i < route.segments.length; i++) {
        const want = route.segments[i];
        if (want.startsWith(':')) params[want.slice(1)] = segments[i];
        else if (want !== segments[i]) return undefined;
      }
      if (route.rest !== undefined) {
        params[route.rest] = segments.slice(route.segments.length).join('/');
      }
      return params;
    };
    for (const route of this.exact.get(rawSegments.length) ?? []) {
      const params = tryRoute(route, rawSegments);
      if (!params) continue;
      if (route.method !== method) {
        wrongMethod = true;
        continue;
      }
      return { kind: 'found', route, params };
    }
    for (const route of this.prefixed) {
      if (rawSegments.length <= route.segments.length) continue;
      const params = tryRoute(route, rawSegments);
      if (!params) continue;
      if (route.method !== method) {
        wrongMethod = true;
        continue;
      }
      return { kind: 'found', route, params };
    }
    return wrongMethod ? { kind: 'wrong-method' } : { kind: 'none' };
  }
}

/** Splits a path into decoded segments; a malformed escape is left as it is. */
export function splitPath(path: string): string[] {
  return path
    .split('/')
    .filter(Boolean)
    .map(s => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}
