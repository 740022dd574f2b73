import { NotFoundError, ServiceUnavailableError } from '@backstage/errors';

/** A URL fit for messages and logs: no user name, password or query (tokens live there). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * Node's fetch refuses URLs that carry credentials, and Helm accepts them in a repository URL;
 * they become a Basic authorization header instead.
 */
export function splitCredentials(url: string): {
  url: string;
  authorization?: string;
} {
  const u = new URL(url);
  if (!u.username && !u.password) return { url };
  const basic = Buffer.from(
    `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`,
  ).toString('base64');
  u.username = '';
  u.password = '';
  return { url: u.toString(), authorization: `Basic ${basic}` };
}

export interface DownloadOptions {
  /** The repository, named in errors. */
  repository: string;
  signal: AbortSignal;
  headers?: Record<string, string>;
  maxBytes: number;
}

export interface Downloaded {
  status: number;
  headers: Headers;
  body: Buffer;
}

async function readLimited(res: Response, maxBytes: number, what: string) {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    throw new ServiceUnavailableError(
      `${what} is larger than ${maxBytes} bytes`,
    );
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (res.body) {
    for await (const chunk of res.body) {
      total += chunk.byteLength;
      if (total > maxBytes) {
        throw new ServiceUnavailableError(
          `${what} is larger than ${maxBytes} bytes`,
        );
      }
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks);
}

/**
 * One GET with the budget's signal. A repository that does not answer (refused, DNS, TLS,
 * timeout) is a 503 naming it, never a silent pass; an abort by the caller stays an abort.
 */
export async function download(
  url: string,
  options: DownloadOptions,
  callerSignal?: AbortSignal,
): Promise<Downloaded> {
  const repo = redactUrl(options.repository);
  try {
    const res = await fetch(url, {
      headers: options.headers,
      signal: options.signal,
      redirect: 'follow',
    });
    const body = await readLimited(res, options.maxBytes, redactUrl(url));
    return { status: res.status, headers: res.headers, body };
  } catch (e) {
    if (callerSignal?.aborted) throw callerSignal.reason;
    if (e instanceof ServiceUnavailableError) throw e;
    const reason = options.signal.aborted
      ? 'it did not answer in time'
      : describeCause(e);
    throw new ServiceUnavailableError(
      `Helm repository ${repo} cannot be reached (${redactUrl(
        url,
      )}): ${reason}`,
    );
  }
}

function describeCause(e: unknown): string {
  const err = e as Error & { cause?: Error & { code?: string } };
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
}

/** Turns a non-2xx answer into the error a user can act on. */
export function failedAnswer(
  res: Downloaded,
  url: string,
  repository: string,
  notFound: string,
): Error {
  const where = `${redactUrl(url)} (Helm repository ${redactUrl(repository)})`;
  if (res.status === 404) return new NotFoundError(notFound);
  if (res.status === 401 || res.status === 403) {
    // Not the user's doing: the portal's access to the repository is what needs fixing.
    return new ServiceUnavailableError(
      `${where} refused the portal access: HTTP ${res.status}`,
    );
  }
  return new ServiceUnavailableError(`${where} answered HTTP ${res.status}`);
}
