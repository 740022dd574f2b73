import type { LoggerService } from '@backstage/backend-plugin-api';
import { isError } from '@backstage/errors';
import type { MlToolsCatalogRefreshEvent } from '@ml-platform/plugin-ml-tools-common';
import type { InstanceIdentity, MlToolsActionOptions } from './context';

/**
 * How long an action waits for the catalog's cycle. The in-process events service runs
 * the provider cycle before `publish` returns, which is what lets "Open in catalog" work
 * as soon as the task ends; a slow cluster must still not hold the task.
 */
const REFRESH_WAIT_MS = 15_000;

/**
 * Asks the catalog provider for a cycle of the instance's cluster, so that a deployed
 * instance appears (or a removed one leaves) without waiting for the schedule. Never
 * fails the action: the scheduled cycle catches up anyway.
 */
export async function requestCatalogRefresh(
  options: Pick<MlToolsActionOptions, 'requestCatalogRefresh'>,
  id: InstanceIdentity,
  logger: Pick<LoggerService, 'info' | 'warn'>,
): Promise<void> {
  if (!options.requestCatalogRefresh) return;
  const event: MlToolsCatalogRefreshEvent = {
    cluster: id.cluster,
    instanceRef: id.ref,
  };
  let timer: NodeJS.Timeout | undefined;
  const request = options.requestCatalogRefresh(event).then(
    () => 'done' as const,
    error => {
      logger.warn(
        `Could not ask the catalog to refresh ${id.ref}: ${
          isError(error) ? error.message : String(error)
        }; it shows up on the next scheduled cycle`,
      );
      return 'failed' as const;
    },
  );
  const timeout = new Promise<'timeout'>(resolve => {
    timer = setTimeout(() => resolve('timeout'), REFRESH_WAIT_MS);
  });
  try {
    const outcome = await Promise.race([request, timeout]);
    if (outcome === 'done') {
      logger.info(`Asked the catalog to refresh ${id.ref}`);
    } else if (outcome === 'timeout') {
      logger.info(
        `Asked the catalog to refresh ${id.ref}; it is still reading the cluster`,
      );
    }
  } finally {
    clearTimeout(timer);
  }
}
