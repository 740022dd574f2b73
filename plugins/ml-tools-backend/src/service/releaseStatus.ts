import type { HealthCheck } from '@ml-platform/plugin-ml-tools-common';
import { DEPLOY_KINDS } from '@ml-platform/plugin-ml-tools-node';
import { conditionsOf, notFetched, type Outcome } from './checks';
import type { MlToolsK8sObject } from './readers';

const ID = 'release';

/**
 * Reads a Flux HelmRelease as helm-controller documents its status. Conditions describe
 * the generation in `status.observedGeneration` only, so they are trusted only when it
 * is the object's current generation. The failure worth showing is on `Released` (Helm's
 * own message): when remediation follows, `Remediated` overwrites `Ready` with the
 * rollback or uninstall result, which says nothing of the cause. `Stalled=True` with
 * reason `RetriesExceeded` means Flux stopped retrying: nothing changes until the
 * HelmRelease does.
 */
function fluxCheck(obj: MlToolsK8sObject): HealthCheck {
  const title = 'Release';
  const metadata = obj.metadata as { generation?: unknown } | undefined;
  const status = (obj.status ?? {}) as { observedGeneration?: unknown };
  const generation = metadata?.generation;
  if (
    typeof generation === 'number' &&
    status.observedGeneration !== generation
  ) {
    return {
      id: ID,
      title,
      status: 'degraded',
      reason: `Flux has not applied the latest change yet (generation ${generation}, last applied ${
        typeof status.observedGeneration === 'number'
          ? status.observedGeneration
          : 'none'
      }); the status shown by Flux is older than the release.`,
      details: { generation },
    };
  }
  const conditions = conditionsOf(obj);
  const find = (type: string) => conditions.find(c => c.type === type);
  const ready = find('Ready');
  const released = find('Released');
  const stalled = find('Stalled');
  const cause =
    (released?.status === 'False' ? released.message : undefined) ??
    ready?.message ??
    ready?.reason;
  const details = {
    ready: ready?.status ?? 'Unknown',
    reason:
      (released?.status === 'False' ? released.reason : undefined) ??
      ready?.reason ??
      '',
  };
  if (stalled?.status === 'True' && stalled.reason === 'RetriesExceeded') {
    return {
      id: ID,
      title,
      status: 'error',
      reason: `Flux stopped retrying this release: ${
        cause ?? stalled.message ?? 'it failed too many times'
      }. Fix the cause, then run the template again (any change to the release makes Flux try again).`,
      details: { ...details, stalled: true },
    };
  }
  if (!ready) {
    return {
      id: ID,
      title,
      status: 'degraded',
      reason: 'Flux has not reconciled the release yet (no Ready condition).',
    };
  }
  if (ready.status === 'True') {
    return {
      id: ID,
      title,
      status: 'ok',
      reason: ready.message ?? 'Ready',
      details,
    };
  }
  if (ready.status === 'False') {
    // Released's reason is InstallFailed or UpgradeFailed when Helm itself refused.
    const verb = /^(Install|Upgrade)Failed$/.exec(details.reason)?.[1];
    return {
      id: ID,
      title,
      status: 'error',
      reason: verb
        ? `Helm ${verb.toLowerCase()} failed: ${cause}. Flux retries on its own; if the message names a value, fix it in the template input and run it again.`
        : cause ?? 'Not ready',
      details,
    };
  }
  return {
    id: ID,
    title,
    status: 'degraded',
    reason: ready.message ?? 'Reconciling',
    details,
  };
}

/** Argo CD conditions that mean it cannot even compare the app with its source. */
const ARGO_ERRORS: Record<string, string> = {
  ComparisonError: 'Argo CD cannot render or compare the application',
  InvalidSpecError: 'The Argo CD Application is invalid',
};

/**
 * Reads an Argo CD Application: the error conditions first (nothing else is current
 * when Argo CD cannot compare), then the last sync operation, then health and sync.
 */
function argoCheck(obj: MlToolsK8sObject): HealthCheck {
  const title = 'Release';
  const status = (obj.status ?? {}) as {
    health?: { status?: string; message?: string };
    sync?: { status?: string };
    operationState?: { phase?: string; message?: string };
  };
  const health = status.health?.status ?? 'Unknown';
  const sync = status.sync?.status ?? 'Unknown';
  const details = { health, sync };
  const failing = conditionsOf(obj).find(
    c => c.type !== undefined && c.type in ARGO_ERRORS,
  );
  if (failing) {
    return {
      id: ID,
      title,
      status: 'error',
      reason: `${ARGO_ERRORS[failing.type!]}: ${
        failing.message ?? failing.type
      }. Check the chart, its version and the values the template produced.`,
      details,
    };
  }
  const operation = status.operationState;
  if (operation?.phase === 'Failed' || operation?.phase === 'Error') {
    return {
      id: ID,
      title,
      status: 'error',
      reason: `The last sync failed: ${
        operation.message ?? operation.phase
      }. Argo CD retries on its next sync.`,
      details: { ...details, operation: operation.phase },
    };
  }
  if (health === 'Healthy' && sync === 'Synced') {
    return {
      id: ID,
      title,
      status: 'ok',
      reason: 'Healthy and synced',
      details,
    };
  }
  if (health === 'Degraded' || health === 'Missing') {
    return {
      id: ID,
      title,
      status: 'error',
      reason: status.health?.message ?? `Application is ${health}`,
      details,
    };
  }
  return {
    id: ID,
    title,
    status: 'degraded',
    reason:
      operation?.phase === 'Running'
        ? `Sync in progress${operation.message ? `: ${operation.message}` : ''}`
        : `Application is ${health}, ${sync}`,
    details,
  };
}

/**
 * Reads a blueprint's plain object that stands for an instance (a custom resource): its
 * Ready condition when its controller writes one, else its existence.
 */
function objectCheck(kind: string, obj: MlToolsK8sObject): HealthCheck {
  const ready = conditionsOf(obj).find(c => c.type === 'Ready');
  if (!ready) {
    return { id: ID, title: kind, status: 'ok', reason: `${kind} exists` };
  }
  const details = {
    ready: ready.status ?? 'Unknown',
    reason: ready.reason ?? '',
  };
  if (ready.status === 'True') {
    return {
      id: ID,
      title: kind,
      status: 'ok',
      reason: ready.message ?? 'Ready',
      details,
    };
  }
  return {
    id: ID,
    title: kind,
    status: ready.status === 'False' ? 'error' : 'degraded',
    reason: ready.message ?? ready.reason ?? 'Not ready',
    details,
  };
}

/**
 * `release`: the object that stands for the instance, read the way its controller
 * documents its status (Flux, Argo CD), or a blueprint object's Ready condition.
 */
export function releaseCheck(
  kind: string,
  outcome: Outcome<MlToolsK8sObject | undefined>,
): HealthCheck {
  const isRelease =
    kind === DEPLOY_KINDS.HelmRelease.kind ||
    kind === DEPLOY_KINDS.Application.kind;
  const title = isRelease ? 'Release' : kind;
  if (outcome.state !== 'ok') return notFetched(ID, title, outcome);
  const obj = outcome.value;
  if (!obj) {
    return { id: ID, title, status: 'error', reason: `${kind} not found` };
  }
  if (kind === DEPLOY_KINDS.HelmRelease.kind) return fluxCheck(obj);
  if (kind === DEPLOY_KINDS.Application.kind) return argoCheck(obj);
  return objectCheck(kind, obj);
}
