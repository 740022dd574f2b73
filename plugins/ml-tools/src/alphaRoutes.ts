import {
  createExternalRouteRef,
  createRouteRef,
} from '@backstage/frontend-plugin-api';

/**
 * Route of the ML tools page in the new frontend system.
 *
 * @alpha
 */
export const mlToolsRootRouteRef = createRouteRef();

/**
 * Where a software template's form opens: the scaffolder's selected-template page unless
 * the app binds it elsewhere.
 *
 * @alpha
 */
export const mlToolsSelectedTemplateRouteRef = createExternalRouteRef({
  params: ['namespace', 'templateName'],
  defaultTarget: 'scaffolder.selectedTemplate',
});
