import type { K8sObject, K8sWaitState } from './types';

interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

function conditionsOf(object: K8sObject): Condition[] {
  const status = object.status as { conditions?: Condition[] } | undefined;
  return Array.isArray(status?.conditions) ? status!.conditions : [];
}

function summary(c: Condition): string {
  return `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}${
    c.message ? `: ${c.message}` : ''
  }`;
}

/**
 * Readiness of a release object, read the way its controller documents its status:
 * - Flux `HelmRelease`: conditions count only when `status.observedGeneration` equals
 *   `metadata.generation`; `Stalled=True` (reason `RetriesExceeded`) is final; the cause
 *   of a failure is taken from the `Released` condition, since a later `Remediated` may
 *   overwrite `Ready`. A failed attempt is reported as failed at once: the deploy stops
 *   waiting there rather than through Flux's remaining retries (a re-run resumes).
 * - Argo CD `Application`: `status.conditions` errors (`ComparisonError`,
 *   `InvalidSpecError`), a failed `operationState`, then health and sync.
 *
 * @public
 */
export function releaseReadiness(object: K8sObject | undefined): K8sWaitState {
  if (!object) return { state: 'pending', message: 'not found yet' };
  if (object.metadata.deletionTimestamp) {
    return { state: 'pending', message: 'being deleted' };
  }
  const status = (object.status ?? {}) as { observedGeneration?: number };
  const generation = object.metadata.generation;
  if (
    object.kind !== 'Application' &&
    typeof generation === 'number' &&
    status.observedGeneration !== generation &&
    conditionsOf(object).length > 0
  ) {
    return {
      state: 'pending',
      message: `generation ${generation} not reconciled yet (observed ${status.observedGeneration})`,
    };
  }
  const conditions = conditionsOf(object);
  if (object.kind === 'Application') return applicationReadiness(object);
  const stalled = conditions.find(
    c => c.type === 'Stalled' && c.status === 'True',
  );
  const ready = conditions.find(c => c.type === 'Ready');
  // The Helm error of the last attempt: Released keeps it when Remediated rewrote Ready.
  const released = conditions.find(
    c => c.type === 'Released' && c.status === 'False',
  );
  const failedReady =
    ready && ready.status === 'False' && /Failed$/.test(ready.reason ?? '')
      ? ready
      : undefined;
  const cause = released ?? failedReady;
  if (stalled) {
    // Stalled only says that Flux gave up ("Failed to install after 3 attempt(s)").
    return {
      state: 'failed',
      message: `${summary(stalled)}${
        cause?.message ? `; ${summary(cause)}` : ''
      }`,
    };
  }
  if (ready?.status === 'True') {
    return { state: 'ready', message: summary(ready) };
  }
  if (cause) return { state: 'failed', message: summary(cause) };
  if (ready) return { state: 'pending', message: summary(ready) };
  return { state: 'pending', message: 'no Ready condition yet' };
}

/** Argo CD: spec and comparison errors, the last operation, then health and sync. */
function applicationReadiness(object: K8sObject): K8sWaitState {
  const status = (object.status ?? {}) as {
    health?: { status?: string; message?: string };
    sync?: { status?: string };
    operationState?: { phase?: string; message?: string };
  };
  const error = conditionsOf(object).find(c => /Error$/.test(c.type ?? ''));
  if (error) {
    return {
      state: 'failed',
      message: `${error.type}${error.message ? `: ${error.message}` : ''}`,
    };
  }
  const phase = status.operationState?.phase;
  if (phase === 'Failed' || phase === 'Error') {
    return {
      state: 'failed',
      message: `sync ${phase}${
        status.operationState?.message
          ? `: ${status.operationState.message}`
          : ''
      }`,
    };
  }
  const health = status.health?.status;
  const sync = status.sync?.status;
  if (health === 'Healthy' && sync === 'Synced') {
    return { state: 'ready', message: 'Healthy, Synced' };
  }
  if ((health === 'Degraded' || health === 'Missing') && sync === 'Synced') {
    return {
      state: 'failed',
      message: `health ${health}${
        status.health?.message ? `: ${status.health.message}` : ''
      }`,
    };
  }
  return {
    state: 'pending',
    message: `health ${health ?? 'Unknown'}, sync ${sync ?? 'Unknown'}`,
  };
}
