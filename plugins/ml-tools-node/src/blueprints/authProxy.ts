import { MAIN_CLIENT } from './context';
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
  chart?: BlueprintChart;
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
  const name = `${ctx.instance.name}-proxy`;
  // The list form of extraArgs is rendered verbatim (the map form goes through `tpl`),
  // and one --allowed-group per group needs no comma splitting. oauth2-proxy matches
  // them literally against the groups claim, which carries full paths.
  const args = [
    '--provider=keycloak-oidc',
    `--oidc-issuer-url=${ctx.keycloak.issuerUrl}`,
    `--redirect-url=${ctx.url}/oauth2/callback`,
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
    component: 'auth-proxy',
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
