import {
  createExternalRouteRef,
  createRouteRef,
} from '@backstage/core-plugin-api';

/**
 * Route of the ML tools page in apps on the legacy frontend system.
 *
 * @public
 */
export const rootRouteRef = createRouteRef({
  id: 'ml-tools',
});

/**
 * Where a software template's form opens (the scaffolder's selected-template page by
 * default); the home page's templates card links to it.
 *
 * @public
 */
export const selectedTemplateRouteRef = createExternalRouteRef({
  id: 'ml-tools:selected-template',
  params: ['namespace', 'templateName'],
  optional: true,
  defaultTarget: 'scaffolder.selectedTemplate',
});
