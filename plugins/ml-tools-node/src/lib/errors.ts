import { CustomErrorBase } from '@backstage/errors';

/**
 * An upstream server (Kubernetes API or Keycloak) kept failing after retries, or
 * answered something the suite cannot act on.
 *
 * @public
 */
export class UpstreamError extends CustomErrorBase {
  name = 'UpstreamError' as const;
  /** HTTP status of the last upstream answer, when there was one. */
  readonly status?: number;
  constructor(message: string, cause?: unknown, status?: number) {
    super(message, cause);
    this.status = status;
  }
}

/**
 * A release did not become ready: it reported a failure or the wait timed out.
 *
 * @public
 */
export class ReleaseNotReadyError extends CustomErrorBase {
  name = 'ReleaseNotReadyError' as const;
}

/**
 * Whether an error of the gateways, or what caused it, is a request that ran past its
 * timeout (the gateway closed it), as opposed to a refused connection or an error answer.
 *
 * @public
 */
export function isRequestTimeout(error: unknown): boolean {
  let current: unknown = error;
  for (
    let depth = 0;
    depth < 5 && current && typeof current === 'object';
    depth++
  ) {
    const name = (current as { name?: unknown }).name;
    // The Kubernetes gateway's own timeout, and fetch's for an AbortSignal.timeout.
    if (name === 'RequestTimeoutError' || name === 'TimeoutError') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
