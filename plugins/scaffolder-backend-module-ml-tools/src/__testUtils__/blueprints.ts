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

/**
 * A made-up tool that exercises the generic secret kinds and keep-data of parts: a
 * generated SSH key pair whose public half is shown, a token typed in the form (required
 * when `withToken`), and a data release kept by decommission with keep-data. Both
 * releases use the bitnami PostgreSQL chart of the contracts.
 */
export const keyedStoreBlueprint: ToolBlueprint<{ withToken: boolean }> = {
  id: 'keyed-store',
  title: 'Keyed store',
  description: 'A store reached with a deploy key',
  category: 'storage',
  icon: 'storage',
  parameters: z.object({ withToken: z.boolean().default(false) }) as any,
  secrets: [
    {
      key: 'ssh-key',
      description: 'Private key',
      generate: { kind: 'ssh-ed25519' },
      secret: 'ssh',
    },
    {
      key: 'ssh-key.pub',
      description: 'Deploy key to add to the remote',
      publicKeyOf: 'ssh-key',
      secret: 'ssh',
    },
    {
      key: 'token',
      description: 'Token of the remote',
      fromTaskSecret: 'remoteToken',
      requiredWhen: ctx => !!ctx.params.withToken,
      secret: 'remote',
    },
  ],
  parts: ctx => [
    {
      type: 'release',
      name: ctx.instance.name,
      component: MAIN_COMPONENT,
      chart: { repository: 'bitnami', chart: 'postgresql', version: '17.1.0' },
      values: { fullnameOverride: ctx.instance.name },
    },
    {
      type: 'release',
      name: `${ctx.instance.name}-data`,
      component: 'data',
      chart: { repository: 'bitnami', chart: 'postgresql', version: '17.1.0' },
      values: { fullnameOverride: `${ctx.instance.name}-data` },
    },
  ],
  health: {
    workloads: ctx => [
      { kind: 'StatefulSet', name: ctx.instance.name },
      { kind: 'StatefulSet', name: `${ctx.instance.name}-data` },
    ],
  },
  links: ctx => [{ title: 'Store', url: `${ctx.url}/`, type: 'ui' }],
  catalog: { backingStores: () => [] },
  decommission: { keepWithData: ['data'] },
};
