import type {
  HealthCheck,
  HealthStatus,
} from '@ml-platform/plugin-ml-tools-common';
import type { MlToolsK8sObject, MlToolsKeycloakClientInfo } from './readers';

/**
 * What one upstream fetch gave: a value, a failure, or no answer in time.
 */
export type Outcome<T> =
  | { state: 'ok'; value: T; fetchedAt: number }
  | { state: 'failed'; reason: string; fetchedAt: number }
  | { state: 'timeout'; reason: string; fetchedAt: number };

const SEVERITY: Record<HealthStatus, number> = {
  ok: 0,
  unknown: 1,
  degraded: 2,
  error: 3,
};

/** The worst status of the checks; `unknown` when there are none. */
export function overallStatus(checks: HealthCheck[]): HealthStatus {
  if (checks.length === 0) return 'unknown';
  return checks.reduce<HealthStatus>(
    (worst, c) => (SEVERITY[c.status] > SEVERITY[worst] ? c.status : worst),
    'ok',
  );
}

/** A check whose data did not arrive: `unknown` on timeout, `error` on failure. */
function notFetched(
  id: string,
  title: string,
  outcome: Exclude<Outcome<unknown>, { state: 'ok' }>,
): HealthCheck {
  return {
    id,
    title,
    status: outcome.state === 'timeout' ? 'unknown' : 'error',
    reason: outcome.reason,
  };
}

type Condition = {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
};

function conditions(obj: MlToolsK8sObject): Condition[] {
  const status = obj.status as { conditions?: Condition[] } | undefined;
  return Array.isArray(status?.conditions) ? status!.conditions : [];
}

/** `release`: the Ready condition of a HelmRelease, the health of an Argo CD app. */
export function releaseCheck(
  kind: string,
  outcome: Outcome<MlToolsK8sObject | undefined>,
): HealthCheck {
  const id = 'release';
  const title = kind === 'Profile' ? 'Kubeflow profile' : 'Release';
  if (outcome.state !== 'ok') return notFetched(id, title, outcome);
  const obj = outcome.value;
  if (!obj) {
    return { id, title, status: 'error', reason: `${kind} not found` };
  }
  if (kind === 'Application') {
    const status = obj.status as
      | {
          health?: { status?: string; message?: string };
          sync?: { status?: string };
        }
      | undefined;
    const health = status?.health?.status ?? 'Unknown';
    const sync = status?.sync?.status ?? 'Unknown';
    const details = { health, sync };
    if (health === 'Healthy' && sync === 'Synced') {
      return { id, title, status: 'ok', reason: 'Healthy and synced', details };
    }
    if (health === 'Degraded' || health === 'Missing') {
      return {
        id,
        title,
        status: 'error',
        reason: status?.health?.message ?? `Application is ${health}`,
        details,
      };
    }
    return {
      id,
      title,
      status: 'degraded',
      reason: `Application is ${health}, ${sync}`,
      details,
    };
  }
  const ready = conditions(obj).find(c => c.type === 'Ready');
  if (kind === 'Profile' && !ready) {
    return { id, title, status: 'ok', reason: 'Profile exists' };
  }
  if (!ready) {
    return {
      id,
      title,
      status: 'degraded',
      reason: 'Not reconciled yet (no Ready condition)',
    };
  }
  const details = {
    ready: ready.status ?? 'Unknown',
    reason: ready.reason ?? '',
  };
  if (ready.status === 'True') {
    return {
      id,
      title,
      status: 'ok',
      reason: ready.message ?? 'Ready',
      details,
    };
  }
  if (ready.status === 'False') {
    return {
      id,
      title,
      status: 'error',
      reason: ready.message ?? ready.reason ?? 'Not ready',
      details,
    };
  }
  return {
    id,
    title,
    status: 'degraded',
    reason: ready.message ?? 'Reconciling',
    details,
  };
}

function num(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** `workloads`: Deployments and StatefulSets of the release, ready out of total. */
export function workloadsCheck(
  outcome: Outcome<MlToolsK8sObject[]>,
): HealthCheck {
  const id = 'workloads';
  const title = 'Workloads';
  if (outcome.state !== 'ok') return notFetched(id, title, outcome);
  const total = outcome.value.length;
  const notReady = outcome.value.filter(w => {
    const spec = (w.spec ?? {}) as { replicas?: number };
    const status = (w.status ?? {}) as { readyReplicas?: number };
    return num(status.readyReplicas, 0) < num(spec.replicas, 1);
  });
  const ready = total - notReady.length;
  const details = { ready, total };
  if (total === 0) {
    return {
      id,
      title,
      status: 'error',
      reason: 'No Deployment or StatefulSet carries the release label',
      details,
    };
  }
  if (notReady.length === 0) {
    return {
      id,
      title,
      status: 'ok',
      reason: `${ready}/${total} ready`,
      details,
    };
  }
  return {
    id,
    title,
    status: ready === 0 ? 'error' : 'degraded',
    reason: `${ready}/${total} ready; not ready: ${notReady
      .map(w => `${w.kind ?? 'workload'} ${w.metadata?.name}`)
      .join(', ')}`,
    details,
  };
}

/** Restarts at or above this count make the pods check degraded. */
const RESTARTS_DEGRADED = 5;

/** `pods`: container restarts, and pods stuck crash-looping. */
export function podsCheck(outcome: Outcome<MlToolsK8sObject[]>): HealthCheck {
  const id = 'pods';
  const title = 'Pods';
  if (outcome.state !== 'ok') return notFetched(id, title, outcome);
  let restarts = 0;
  const crashing: string[] = [];
  for (const pod of outcome.value) {
    const status = (pod.status ?? {}) as {
      containerStatuses?: Array<{
        restartCount?: number;
        state?: { waiting?: { reason?: string } };
      }>;
    };
    for (const c of status.containerStatuses ?? []) {
      restarts += num(c.restartCount, 0);
      if (c.state?.waiting?.reason === 'CrashLoopBackOff') {
        crashing.push(pod.metadata?.name ?? '?');
      }
    }
  }
  const details = { pods: outcome.value.length, restarts };
  if (crashing.length) {
    return {
      id,
      title,
      status: 'error',
      reason: `Crash-looping: ${[...new Set(crashing)].join(', ')}`,
      details,
    };
  }
  if (restarts >= RESTARTS_DEGRADED) {
    return {
      id,
      title,
      status: 'degraded',
      reason: `${restarts} container restarts`,
      details,
    };
  }
  return {
    id,
    title,
    status: 'ok',
    reason:
      outcome.value.length === 0
        ? 'No pods'
        : `${outcome.value.length} pods, ${restarts} restarts`,
    details,
  };
}

/** The URL of the first rule of the first Ingress, https when TLS covers its host. */
export function ingressUrl(ingresses: MlToolsK8sObject[]): string | undefined {
  for (const ingress of ingresses) {
    const spec = (ingress.spec ?? {}) as {
      rules?: Array<{
        host?: string;
        http?: { paths?: Array<{ path?: string }> };
      }>;
      tls?: Array<{ hosts?: string[] }>;
    };
    for (const rule of spec.rules ?? []) {
      if (!rule.host) continue;
      const tls = (spec.tls ?? []).some(t => t.hosts?.includes(rule.host!));
      const path = rule.http?.paths?.[0]?.path ?? '/';
      return `${tls ? 'https' : 'http'}://${rule.host}${
        path === '/' ? '' : path
      }`;
    }
  }
  return undefined;
}

/** `ingress`: where the tool is reachable. */
export function ingressCheck(
  outcome: Outcome<MlToolsK8sObject[]>,
): HealthCheck {
  const id = 'ingress';
  const title = 'Ingress';
  if (outcome.state !== 'ok') return notFetched(id, title, outcome);
  const url = ingressUrl(outcome.value);
  if (!url) {
    return {
      id,
      title,
      status: 'degraded',
      reason: 'No Ingress with a host carries the release label',
    };
  }
  return {
    id,
    title,
    status: 'ok',
    reason: `Served at ${url}`,
    details: { url },
  };
}

/** `keycloak-client`: the instance's client exists and is enabled. */
export function keycloakClientCheck(
  clientId: string,
  outcome: Outcome<MlToolsKeycloakClientInfo | undefined>,
): HealthCheck {
  const id = 'keycloak-client';
  const title = 'Keycloak client';
  if (outcome.state !== 'ok') return notFetched(id, title, outcome);
  const client = outcome.value;
  if (!client) {
    return {
      id,
      title,
      status: 'error',
      reason: `Client ${clientId} does not exist in Keycloak`,
    };
  }
  if (!client.enabled) {
    return {
      id,
      title,
      status: 'error',
      reason: `Client ${clientId} is disabled`,
      details: { enabled: false },
    };
  }
  return {
    id,
    title,
    status: 'ok',
    reason: `Client ${clientId} is present and enabled`,
    details: { enabled: true },
  };
}

/** `oidc`: the realm's discovery document answers. */
export function oidcCheck(
  realm: string,
  outcome: Outcome<{ issuer: string }>,
): HealthCheck {
  const id = 'oidc';
  const title = 'OIDC discovery';
  if (outcome.state !== 'ok') return notFetched(id, title, outcome);
  return {
    id,
    title,
    status: 'ok',
    reason: `Discovery of realm ${realm} answers`,
    details: { issuer: outcome.value.issuer },
  };
}
