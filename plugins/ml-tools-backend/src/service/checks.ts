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

/** A status condition as Kubernetes controllers write them. */
export interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/** The conditions of an object's status; none when it has no status yet. */
export function conditionsOf(obj: MlToolsK8sObject): Condition[] {
  const status = obj.status as { conditions?: unknown } | undefined;
  return Array.isArray(status?.conditions)
    ? (status!.conditions as Condition[])
    : [];
}

/** The worst status of the checks; `unknown` when there are none. */
export function overallStatus(checks: HealthCheck[]): HealthStatus {
  if (checks.length === 0) return 'unknown';
  return checks.reduce<HealthStatus>(
    (worst, c) => (SEVERITY[c.status] > SEVERITY[worst] ? c.status : worst),
    'ok',
  );
}

/** A check whose data did not arrive: `unknown` on timeout, `error` on failure. */
export function notFetched(
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

function num(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** True when a Deployment or StatefulSet has as many ready replicas as it wants. */
function isReady(workload: MlToolsK8sObject): boolean {
  const spec = (workload.spec ?? {}) as { replicas?: number };
  const status = (workload.status ?? {}) as { readyReplicas?: number };
  return num(status.readyReplicas, 0) >= num(spec.replicas, 1);
}

/** A workload a blueprint names in the instance's health annotation. */
export interface NamedWorkload {
  kind: string;
  name: string;
  namespace: string;
}

/**
 * `workloads`, for instances whose health annotation names their workloads: each must
 * exist and be ready. A missing one is an error that names it: the blueprint says it
 * should be there, so its absence is a broken instance, not a smaller one.
 */
export function namedWorkloadsCheck(
  reads: Array<{
    workload: NamedWorkload;
    outcome: Outcome<MlToolsK8sObject | undefined>;
  }>,
): HealthCheck {
  const id = 'workloads';
  const title = 'Workloads';
  const notOk = reads.find(r => r.outcome.state !== 'ok');
  if (notOk && notOk.outcome.state !== 'ok') {
    return notFetched(id, title, notOk.outcome);
  }
  const label = (w: NamedWorkload) => `${w.kind} ${w.name}`;
  const missing: string[] = [];
  const notReady: string[] = [];
  for (const { workload, outcome } of reads) {
    const obj = outcome.state === 'ok' ? outcome.value : undefined;
    if (!obj) missing.push(label(workload));
    else if (!isReady(obj)) notReady.push(label(workload));
  }
  const total = reads.length;
  const ready = total - missing.length - notReady.length;
  const details = { ready, total };
  if (total === 0) {
    return {
      id,
      title,
      status: 'ok',
      reason: 'The blueprint names no workload',
      details,
    };
  }
  if (missing.length) {
    return {
      id,
      title,
      status: 'error',
      reason: `Missing: ${missing.join(', ')}${
        notReady.length ? `; not ready: ${notReady.join(', ')}` : ''
      }`,
      details,
    };
  }
  if (notReady.length === 0) {
    return {
      id,
      title,
      status: 'ok',
      // Named, so a person sees which workloads the blueprint counts on.
      reason: `${ready}/${total} ready: ${reads
        .map(r => label(r.workload))
        .join(', ')}`,
      details,
    };
  }
  return {
    id,
    title,
    status: ready === 0 ? 'error' : 'degraded',
    reason: `${ready}/${total} ready; not ready: ${notReady.join(', ')}`,
    details,
  };
}

/** A condition of an object that the instance's health annotation names. */
export interface NamedCondition {
  title: string;
  kind: string;
  name: string;
  /** Condition type that must be True; with none, the object existing is enough. */
  type?: string;
  /** Condition type its controller writes only on failure: present and not False, an error. */
  failureType?: string;
}

/**
 * `condition:<title>`: the object exists, carries no failure condition, and, when a type
 * is named, that condition is True.
 */
export function conditionCheck(
  condition: NamedCondition,
  outcome: Outcome<MlToolsK8sObject | undefined>,
): HealthCheck {
  const id = `condition:${condition.title}`;
  const { title } = condition;
  if (outcome.state !== 'ok') return notFetched(id, title, outcome);
  const what = `${condition.kind} ${condition.name}`;
  if (!outcome.value) {
    return { id, title, status: 'error', reason: `${what} does not exist` };
  }
  const failed = condition.failureType
    ? conditionsOf(outcome.value).find(
        c => c.type === condition.failureType && c.status !== 'False',
      )
    : undefined;
  if (failed) {
    const said = failed.message ?? failed.reason;
    return {
      id,
      title,
      status: 'error',
      reason: `${what} is ${condition.failureType}${said ? `: ${said}` : ''}`,
      details: { [condition.failureType!]: failed.status ?? 'True' },
    };
  }
  if (!condition.type) {
    return { id, title, status: 'ok', reason: `${what} exists` };
  }
  const found = conditionsOf(outcome.value).find(
    c => c.type === condition.type,
  );
  if (!found) {
    return {
      id,
      title,
      status: 'degraded',
      reason: `${what} has no ${condition.type} condition yet`,
    };
  }
  const details = { [condition.type]: found.status ?? 'Unknown' };
  const said = found.message ?? found.reason;
  if (found.status === 'True') {
    return {
      id,
      title,
      status: 'ok',
      reason: said ?? `${condition.type}`,
      details,
    };
  }
  return {
    id,
    title,
    status: found.status === 'False' ? 'error' : 'degraded',
    reason: `${what} is not ${condition.type}${said ? `: ${said}` : ''}`,
    details,
  };
}

/** `workloads`: Deployments and StatefulSets of the release, ready out of total. */
export function workloadsCheck(
  outcome: Outcome<MlToolsK8sObject[]>,
): HealthCheck {
  const id = 'workloads';
  const title = 'Workloads';
  if (outcome.state !== 'ok') return notFetched(id, title, outcome);
  const total = outcome.value.length;
  const notReady = outcome.value.filter(w => !isReady(w));
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
