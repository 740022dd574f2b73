import { ServiceUnavailableError } from '@backstage/errors';
import { errorForStatus } from '../lib/statusErrors';

/** What a failed Keycloak request tells: its status, when an answer came back. */
export interface HttpFailure {
  status?: number;
  retryAfter?: string | null;
  message: string;
}

/**
 * The HTTP failure behind an error of the admin client, or undefined for errors that
 * are not about the request (a bug, a bad argument): those are never retried.
 */
export function failureOf(error: unknown): HttpFailure | undefined {
  if (error && typeof error === 'object' && 'response' in error) {
    const response = (error as { response?: Response }).response;
    if (response && typeof response.status === 'number') {
      return {
        status: response.status,
        retryAfter: response.headers?.get?.('retry-after'),
        message: (error as unknown as Error).message,
      };
    }
  }
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if (
      error.name === 'TimeoutError' ||
      error.name === 'AbortError' ||
      error.message === 'fetch failed' ||
      (cause?.code && /^(ECONN|UND_ERR|ETIMEDOUT)/.test(cause.code))
    ) {
      return { message: error.message };
    }
  }
  return undefined;
}

/** No answer, a 429 or a 5xx: worth another try. */
export function isRetryable(f: HttpFailure | undefined): boolean {
  return !!f && (f.status === undefined || f.status === 429 || f.status >= 500);
}

/**
 * The Backstage error for a failed call, so that routes and actions answer the right
 * status: a refused input is a 4xx, an unreachable Keycloak a 503.
 */
export function translateKeycloakError(
  error: unknown,
  what: string,
  realm: string,
): Error {
  const f = failureOf(error);
  if (!f) return error as Error;
  const message = `Keycloak ${what} in realm "${realm}" failed: ${
    f.status ? `HTTP ${f.status} ` : ''
  }${f.message}`;
  // No answer at all (timeout, refused connection): Keycloak is unavailable. The cause
  // stays attached, so a caller can tell a timeout from a refused connection.
  return f.status === undefined
    ? new ServiceUnavailableError(message, error)
    : errorForStatus(f.status, message);
}
