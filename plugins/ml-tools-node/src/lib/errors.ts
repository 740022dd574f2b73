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
