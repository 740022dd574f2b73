import {
  authProxyRelease,
  MAIN_CLIENT,
  MAIN_COMPONENT,
  mappedGroupPaths,
  type ToolBlueprint,
} from '@ml-platform/plugin-ml-tools-node';
import { z } from 'zod';

/**
 * A made-up tool with no sign-in of its own, behind the auth proxy building block: a
 * notebook viewer (the JupyterHub chart of the contracts stands in for its chart, with
 * its own ingress off). Only members of the groups mapped to its one role get past the
 * proxy. No built-in blueprint uses the proxy any more; this one keeps it deployed,
 * checked against its chart and removed in the tests.
 */
export const notebookViewerBlueprint: ToolBlueprint<{}> = {
  id: 'notebook-viewer',
  title: 'Notebook viewer',
  description: 'Read-only notebooks, behind single sign-on',
  category: 'analysis',
  icon: 'notebook',
  parameters: z.object({}),
  secrets: [],
  keycloak: {
    clients: [
      {
        key: MAIN_CLIENT,
        clientType: 'confidential',
        redirectPaths: ['/oauth2/callback'],
        audienceScope: true,
        groupsClaim: true,
        cookieSecret: true,
      },
    ],
    enforcedBy:
      'The auth proxy lets in members of the viewer groups (full paths), nobody else.',
    roles: [
      {
        name: 'viewer',
        description: 'Opens the notebooks',
        defaultGroups: ['owner'],
      },
    ],
  },
  parts: ctx => [
    {
      type: 'release',
      name: ctx.instance.name,
      component: MAIN_COMPONENT,
      chart: {
        repository: 'jupyterhub',
        chart: 'jupyterhub',
        version: '4.4.0',
      },
      values: {
        fullnameOverride: ctx.instance.name,
        ingress: { enabled: false },
      },
    },
    authProxyRelease(ctx, {
      upstream: `http://${ctx.instance.name}.${ctx.instance.namespace}.svc:80`,
      allowedGroups: mappedGroupPaths(ctx.roleMappings),
    }),
  ],
  health: {
    workloads: ctx => [
      { kind: 'Deployment', name: ctx.instance.name },
      { kind: 'Deployment', name: `${ctx.instance.name}-proxy` },
    ],
  },
  links: ctx => [{ title: 'Notebooks', url: `${ctx.url}/`, type: 'ui' }],
  catalog: { backingStores: () => [] },
};
