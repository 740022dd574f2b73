import { z } from 'zod';
import type { K8sObject } from '../kubernetes/types';
import {
  AUTH_PROXY_CALLBACK_PATHS,
  authProxyName,
  authProxyRelease,
} from './authProxy';
import { groupsOfRoles, MAIN_CLIENT, MAIN_COMPONENT } from './context';
import type { BlueprintContext, ToolBlueprint } from './types';

/**
 * Parameters of the "protect a service" blueprint.
 *
 * @public
 */
export const protectServiceParametersSchema = z.object({
  service: z
    .string()
    .regex(
      /^[a-z]([-a-z0-9]*[a-z0-9])?$/,
      'must be a Service name: lower case letters, digits and dashes, starting with a letter',
    )
    .max(63)
    .meta({
      description:
        "Name of the Service to protect, in the instance's namespace",
      examples: ['label-studio'],
    }),
  port: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .meta({
      description: 'Port of the Service the proxy forwards to',
      examples: [8080],
    }),
  scheme: z
    .enum(['http', 'https'])
    .default('http')
    .describe('Protocol the Service speaks on that port'),
  proxy: z
    .enum(['oauth2-proxy', 'gatekeeper'])
    .default('oauth2-proxy')
    .describe('The auth proxy: oauth2-proxy or gogatekeeper'),
});

/**
 * Parameters of the "protect a service" blueprint, after defaults.
 *
 * @public
 */
export type ProtectServiceParameters = z.infer<
  typeof protectServiceParametersSchema
>;

/** The proxy is the instance: its release, Deployment and Service bear the instance's name. */
function proxyName(ctx: BlueprintContext): string {
  return authProxyName(ctx, MAIN_COMPONENT);
}

/** The one role: who the proxy lets through. */
const ACCESS = 'access';

function upstream(ctx: BlueprintContext<ProtectServiceParameters>): string {
  const { service, port, scheme } = ctx.params;
  return `${scheme}://${service}.${ctx.instance.namespace}.svc.cluster.local:${port}`;
}

/** The Service to protect exists and serves the port. */
function serviceCheck(port: number) {
  return (live: K8sObject | undefined): string | undefined => {
    if (!live) return 'no such Service in the namespace';
    const spec = live.spec as { ports?: Array<{ port?: number }> } | undefined;
    const ports = (spec?.ports ?? []).map(p => p.port);
    return ports.includes(port)
      ? undefined
      : `the Service has no port ${port} (it has ${
          ports.join(', ') || 'none'
        })`;
  };
}

/**
 * Puts the auth proxy building block in front of a Service that already runs in a
 * namespace of the team: a Keycloak client of its own (with an audience scope and the
 * groups claim), the proxy's ingress on the instance's host, only members of the allowed
 * groups let through. The protected Service and its own ingress are left untouched.
 *
 * @public
 */
export const protectServiceBlueprint: ToolBlueprint<ProtectServiceParameters> =
  {
    id: 'protect-service',
    title: 'Protected service',
    description:
      'Single sign-on in front of a service that has none: an auth proxy with its own Keycloak client, open to the groups you pick.',
    category: 'security',
    icon: 'shield',
    docsUrl: 'https://oauth2-proxy.github.io/oauth2-proxy/',
    parameters:
      protectServiceParametersSchema as unknown as z.ZodType<ProtectServiceParameters>,
    secrets: [],
    keycloak: {
      clients: [
        {
          key: MAIN_CLIENT,
          clientType: 'confidential',
          redirectPaths: ctx => [
            AUTH_PROXY_CALLBACK_PATHS[
              (ctx as BlueprintContext<ProtectServiceParameters>).params.proxy
            ],
          ],
          audienceScope: true,
          groupsClaim: true,
          cookieSecret: true,
        },
      ],
      roles: [
        {
          name: ACCESS,
          description: 'Passes the proxy to reach the service',
          defaultGroups: ['owner'],
        },
      ],
      enforcedBy:
        "The auth proxy lets through only users whose ID token's groups claim (full paths) holds one of the groups granted access; members of subgroups are not included.",
    },
    preconditions: ctx => [
      {
        field: 'input.parameters.service',
        object: {
          apiVersion: 'v1',
          kind: 'Service',
          name: ctx.params.service,
        },
        check: serviceCheck(ctx.params.port),
      },
      {
        // The proxy's chart makes a Service of this name; Helm will not adopt another's.
        field: 'input.name',
        object: { apiVersion: 'v1', kind: 'Service', name: proxyName(ctx) },
        check: live =>
          !live ||
          live.metadata.annotations?.['meta.helm.sh/release-name'] ===
            proxyName(ctx)
            ? undefined
            : `the proxy's Service "${proxyName(
                ctx,
              )}" would replace an existing Service; pick another name`,
      },
    ],
    parts: ctx => [
      authProxyRelease(ctx, {
        upstream: upstream(ctx),
        allowedGroups: groupsOfRoles(ctx.roleMappings, [ACCESS]),
        component: MAIN_COMPONENT,
        proxy: ctx.params.proxy,
      }),
    ],
    health: {
      workloads: ctx => [{ kind: 'Deployment', name: proxyName(ctx) }],
    },
    links: ctx => [
      {
        title: ctx.params.service,
        url: `${ctx.url}/`,
        type: 'ui',
        icon: 'dashboard',
      },
      {
        title: 'Upstream (in the cluster)',
        url: upstream(ctx),
        type: 'upstream',
      },
    ],
    catalog: { backingStores: () => [] },
  };
