import { createRouteRef } from '@backstage/core-plugin-api';

/**
 * Route of the ML tools page in apps on the legacy frontend system.
 *
 * @public
 */
export const rootRouteRef = createRouteRef({
  id: 'ml-tools',
});
