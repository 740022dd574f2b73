/**
 * How a failed call should be shown: a denial and a missing entity are answers a user
 * can act on, unlike an outage.
 *
 * @public
 */
export type MlToolsErrorKind = 'denied' | 'not-found' | 'failed';

/**
 * Sorts an error from the {@link MlToolsApi} into a {@link MlToolsErrorKind}.
 *
 * @public
 */
export function classifyMlToolsError(error: unknown): MlToolsErrorKind {
  if (typeof error !== 'object' || error === null) {
    return 'failed';
  }
  const { name, statusCode, cause } = error as {
    name?: string;
    statusCode?: number;
    cause?: { name?: string };
  };
  // A ResponseError carries both the HTTP status and the backend's own error name; a
  // custom MlToolsApi implementation may throw NotAllowedError / NotFoundError directly.
  const names = [name, cause?.name];
  if (statusCode === 403 || names.includes('NotAllowedError')) {
    return 'denied';
  }
  if (statusCode === 404 || names.includes('NotFoundError')) {
    return 'not-found';
  }
  return 'failed';
}
