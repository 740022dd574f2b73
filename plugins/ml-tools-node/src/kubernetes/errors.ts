import { ApiException } from '@kubernetes/client-node';
import { ServiceUnavailableError } from '@backstage/errors';
import { errorForStatus } from '../lib/statusErrors';

/** One attempt outlived the cluster's `requestTimeoutMs`; its request was aborted. */
export class RequestTimeoutError extends Error {
  name = 'RequestTimeoutError';
}

function statusMessage(error: ApiException<unknown>): string {
  const body = error.body as unknown;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body);
      if (parsed && typeof parsed.message === 'string') return parsed.message;
    } catch {
      // not JSON
    }
    return body.slice(0, 200);
  }
  if (body && typeof body === 'object' && 'message' in body) {
    return String((body as { message: unknown }).message);
  }
  return `HTTP ${error.code}`;
}

/** A response header, whatever the case the server used for its name. */
export function headerValue(
  headers: Record<string, string> | undefined,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find(k => k.toLowerCase() === name);
  return key ? headers[key] : undefined;
}

/** True for network-level failures where no answer came back. */
export function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown; cause?: { code?: unknown } }).cause
    ?.code;
  return (
    error.name === 'FetchError' ||
    error.message === 'fetch failed' ||
    (typeof code === 'string' &&
      ['ECONNRESET', 'ECONNREFUSED', 'UND_ERR_SOCKET', 'ETIMEDOUT'].includes(
        code,
      ))
  );
}

/**
 * The Backstage error for a failed call, so that routes and actions answer the right
 * status: a refusal of the user's input is a 4xx, an unreachable cluster a 503.
 */
export function translateKubernetesError(
  error: unknown,
  cluster: string,
  operation: string,
  subject: string,
): Error {
  const prefix = `Kubernetes ${operation} of ${subject} on cluster "${cluster}" failed`;
  if (error instanceof ApiException) {
    return errorForStatus(error.code, `${prefix}: ${statusMessage(error)}`);
  }
  if (error instanceof RequestTimeoutError || isNetworkError(error)) {
    // The cause stays attached, so a caller can tell a timeout from a refused connection.
    return new ServiceUnavailableError(
      `${prefix}: ${(error as Error).message}`,
      error,
    );
  }
  return error as Error;
}
