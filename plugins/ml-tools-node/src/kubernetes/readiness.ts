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
 * Readiness of a release object: a Flux `HelmRelease` (its `Ready` and `Stalled`
 * conditions for the current generation) or an Argo CD `Application` (its health and
 * sync status, or a `Ready` condition when present).
 *
 * @public
 */
export function releaseReadiness(object: K8sObject | undefined): K8sWaitState {
  if (!object) return { state: 'pending', message: 'not found yet' };
  if (object.metadata.deletionTimestamp) {
    return { state: 'pending', message: 'being deleted' };
  }
  const status = (object.status ?? {}) as {
    observedGeneration?: number;
    health?: { status?: string; message?: string };
    sync?: { status?: string };
  };
  const generation = object.metadata.generation;
  if (
    typeof generation === 'number' &&
    typeof status.observedGeneration === 'number' &&
    status.observedGeneration < generation
  ) {
    return {
      state: 'pending',
      message: `generation ${generation} not reconciled yet (observed ${status.observedGeneration})`,
    };
  }
  const conditions = conditionsOf(object);
  const stalled = conditions.find(
    c => c.type === 'Stalled' && c.status === 'True',
  );
  const ready = conditions.find(c => c.type === 'Ready');
  if (stalled) {
    // Flux's Stalled only says that it gave up ("Failed to install after 1 attempt(s)");
    // the cause (the Helm error) is on the failed Ready condition, so both are shown.
    const cause =
      ready && ready.status === 'False' && ready.message
        ? `; ${summary(ready)}`
        : '';
    return { state: 'failed', message: `${summary(stalled)}${cause}` };
  }
  if (ready) {
    if (ready.status === 'True')
      return { state: 'ready', message: summary(ready) };
    if (ready.status === 'False' && /Failed$/.test(ready.reason ?? '')) {
      return { state: 'failed', message: summary(ready) };
    }
    return { state: 'pending', message: summary(ready) };
  }
  if (object.kind === 'Application') {
    const health = status.health?.status;
    const sync = status.sync?.status;
    if (health === 'Healthy' && sync === 'Synced') {
      return { state: 'ready', message: 'Healthy, Synced' };
    }
    if (health === 'Degraded' || health === 'Missing') {
      if (sync === 'Synced') {
        return {
          state: 'failed',
          message: `health ${health}${
            status.health?.message ? `: ${status.health.message}` : ''
          }`,
        };
      }
    }
    return {
      state: 'pending',
      message: `health ${health ?? 'Unknown'}, sync ${sync ?? 'Unknown'}`,
    };
  }
  return { state: 'pending', message: 'no Ready condition yet' };
}
