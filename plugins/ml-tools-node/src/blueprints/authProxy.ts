import { MAIN_CLIENT, MAIN_COMPONENT } from './context';
import type {
  BlueprintChart,
  BlueprintContext,
  BlueprintRelease,
} from './types';

/**
 * The chart of the auth proxy building block.
 *
 * @public
 */
export const AUTH_PROXY_CHART: BlueprintChart = {
  repository: 'oauth2-proxy',
  chart: 'oauth2-proxy',
  version: '10.7.0',
};

/**
 * Options of {@link authProxyRelease}.
 *
 * @public
 */
export interface AuthProxyOptions {
  /** In-cluster URL of the protected service. */
  upstream: string;
  /** Full paths of the groups allowed in; everyone with a realm account when empty. */
  allowedGroups: string[];
  /** Key of the instance's client the proxy logs in with (`main` by default). */
  client?: string;
  /** Overrides the pinned chart of the proxy (same chart, another version). */
  chart?: BlueprintChart;
  /** The part the proxy is: `auth-proxy` by default, `main` when it is the instance. */
  component?: string;
  /** Which proxy: oauth2-proxy (the default) or gogatekeeper. */
  proxy?: AuthProxyKind;
}

/**
 * The proxies the building block can deploy.
 *
 * @public
 */
export type AuthProxyKind = 'oauth2-proxy' | 'gatekeeper';

/**
 * The chart of the gogatekeeper alternative of the building block.
 *
 * @public
 */
export const GATEKEEPER_CHART: BlueprintChart = {
  repository: 'gogatekeeper',
  chart: 'gatekeeper',
  version: '0.1.64',
};

/**
 * The path each proxy receives Keycloak's redirect on, to list among the client's
 * redirect paths.
 *
 * @public
 */
export const AUTH_PROXY_CALLBACK_PATHS: Readonly<
  Record<AuthProxyKind, string>
> = Object.freeze({
  'oauth2-proxy': '/oauth2/callback',
  gatekeeper: '/oauth/callback',
});

/**
 * The name of the proxy's release, its workloads and Service (the charts' fullname):
 * the instance's name when the proxy is the instance (`main`, like every first part),
 * else `<instance>-proxy`.
 *
 * @public
 */
export function authProxyName(
  ctx: BlueprintContext,
  component = 'auth-proxy',
): string {
  return component === MAIN_COMPONENT
    ? ctx.instance.name
    : `${ctx.instance.name}-proxy`;
}

/**
 * The "protect this service" building block: an oauth2-proxy release in front of an
 * upstream, logging users in with the instance's Keycloak client. Its ingress opens the
 * instance's host; the client id, client secret and cookie secret come from the
 * instance's OIDC Secret, never from values.
 *
 * @public
 */
export function authProxyRelease(
  ctx: BlueprintContext,
  options: AuthProxyOptions,
): BlueprintRelease {
  const client = ctx.keycloak?.clients[options.client ?? MAIN_CLIENT];
  if (!ctx.keycloak || !client) {
    throw new Error(
      `The auth proxy needs the instance to have the Keycloak client "${
        options.client ?? MAIN_CLIENT
      }"`,
    );
  }
  const name = authProxyName(ctx, options.component);
  if (options.proxy === 'gatekeeper') {
    return gatekeeperRelease(ctx, options, client.secretName, name);
  }
  // The list form of extraArgs is rendered verbatim (the map form goes through `tpl`),
  // and one --allowed-group per group needs no comma splitting. oauth2-proxy matches
  // them literally against the groups claim, which carries full paths.
  const args = [
    '--provider=keycloak-oidc',
    `--oidc-issuer-url=${ctx.keycloak.issuerUrl}`,
    `--redirect-url=${ctx.url}${AUTH_PROXY_CALLBACK_PATHS['oauth2-proxy']}`,
    `--upstream=${options.upstream}`,
    '--email-domain=*',
    '--code-challenge-method=S256',
    '--skip-provider-button=true',
    '--reverse-proxy=true',
    '--pass-access-token=true',
    '--set-authorization-header=true',
    // API clients send bearer tokens of the realm (audience checked by the provider).
    '--skip-jwt-bearer-tokens=true',
    ...[...new Set(options.allowedGroups)]
      .sort()
      .map(g => `--allowed-group=${g}`),
  ];
  return {
    type: 'release',
    name,
    component: options.component ?? 'auth-proxy',
    chart: options.chart ?? AUTH_PROXY_CHART,
    values: {
      fullnameOverride: name,
      // Client id, client secret and cookie secret, from the client's Secret.
      config: { existingSecret: client.secretName },
      extraArgs: args,
      ingress: {
        enabled: true,
        path: '/',
        pathType: 'Prefix',
        hosts: [ctx.host],
        tls: [{ hosts: [ctx.host], secretName: `${ctx.instance.name}-tls` }],
      },
      podLabels: ctx.labels,
    },
  };
}

/**
 * gogatekeeper in front of the upstream: the same client, groups and ingress. Settings
 * are flags; the client id, client secret and encryption key reach the proxy as
 * environment variables read from the client's Secret, never in values.
 */
function gatekeeperRelease(
  ctx: BlueprintContext,
  options: AuthProxyOptions,
  secretName: string,
  name: string,
): BlueprintRelease {
  const fromSecret = (env: string, key: string) => ({
    name: env,
    valueFrom: { secretKeyRef: { name: secretName, key } },
  });
  const groups = [...new Set(options.allowedGroups)].sort();
  return {
    type: 'release',
    name,
    component: options.component ?? 'auth-proxy',
    chart: options.chart ?? GATEKEEPER_CHART,
    values: {
      fullnameOverride: name,
      // Flags, as for oauth2-proxy: the chart's `config` map keeps its listen settings.
      extraArgs: [
        `--discovery-url=${ctx.keycloak!.issuerUrl}`,
        `--upstream-url=${options.upstream}`,
        `--redirection-url=${ctx.url}`,
        '--enable-default-deny=true',
        '--enable-refresh-tokens=true',
        `--secure-cookie=${ctx.url.startsWith('https://')}`,
        // The groups claim carries full paths; any one of the groups lets a user in.
        `--resources=uri=/*${
          groups.length ? `|groups=${groups.join(',')}` : ''
        }`,
      ],
      extraEnvVars: [
        fromSecret('PROXY_CLIENT_ID', 'client-id'),
        fromSecret('PROXY_CLIENT_SECRET', 'client-secret'),
        // 32 characters: gatekeeper accepts 16 or 32.
        fromSecret('PROXY_ENCRYPTION_KEY', 'cookie-secret'),
      ],
      ingress: {
        enabled: true,
        hosts: [{ host: ctx.host, paths: [{ path: '/', pathType: 'Prefix' }] }],
        tls: [{ hosts: [ctx.host], secretName: `${ctx.instance.name}-tls` }],
      },
      podLabels: ctx.labels,
    },
  };
}
