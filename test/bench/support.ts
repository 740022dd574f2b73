/*
 * What the benchmarks that fork a sandbox process share: the `mlTools` config pointing at
 * it, the request/answer channel to a child process, and percentiles.
 */
import type { fork } from 'node:child_process';

/** The `mlTools` block for a sandbox's clusters and Keycloak, with the routes' cache and timeouts. */
export function benchMlToolsConfig(
  clusters: Array<{ name: string; url: string; token: string }>,
  keycloak: {
    url: string;
    realm: string;
    clientId: string;
    clientSecret: string;
  },
  cacheTtlMs: number,
  timeoutMs: number,
) {
  return {
    clusters: clusters.map(c => ({
      name: c.name,
      url: c.url,
      authProvider: 'serviceAccount',
      serviceAccountToken: c.token,
      skipTLSVerify: true,
    })),
    keycloak: {
      baseUrl: keycloak.url,
      realm: keycloak.realm,
      clientId: keycloak.clientId,
      clientSecret: keycloak.clientSecret,
    },
    deploy: {
      driver: 'flux',
      chartRepositories: [{ name: 'c', url: 'https://charts.example.com' }],
    },
    namespaces: { allowed: ['ml-*'] },
    baseDomain: 'sandbox.local',
    backend: {
      cacheTtl: { milliseconds: cacheTtlMs },
      clusterTimeout: { milliseconds: timeoutMs },
      keycloakTimeout: { milliseconds: timeoutMs },
    },
  };
}

/** Sends a message to a child and resolves with the answer bearing the same id. */
let nextId = 1;
export function rpcTo(child: ReturnType<typeof fork>) {
  return <T>(msg: object): Promise<T> =>
    new Promise(resolve => {
      const id = nextId++;
      const onMessage = (m: any) => {
        if (m?.id === id) {
          child.off('message', onMessage);
          resolve(m.value as T);
        }
      };
      child.on('message', onMessage);
      child.send({ ...msg, id });
    });
}

/** The p-th percentile of the values (nearest rank). */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ];
}
