/*
 * The events workload controllers, the scheduler and the kubelet record about pods, with
 * the reasons and messages of the real components (what `kubectl describe` shows).
 */
import type { EventRecorder } from './events';
import { isObject } from './json';
import { NODE_NAME } from './nodes';
import type { KubeObject } from './types';

function containersOf(pod: KubeObject): { name: string; image: string }[] {
  const spec = isObject(pod.spec) ? pod.spec : {};
  const list = Array.isArray(spec.containers) ? spec.containers : [];
  return list
    .filter(isObject)
    .map(c => ({ name: String(c.name ?? ''), image: String(c.image ?? '') }));
}

const CREATORS: Record<string, string> = {
  ReplicaSet: 'replicaset-controller',
  Job: 'job-controller',
  StatefulSet: 'statefulset-controller',
  DaemonSet: 'daemonset-controller',
};

/** What a workload controller records when it has created a pod. */
export function recordPodCreated(
  events: EventRecorder,
  owner: KubeObject,
  pod: KubeObject,
): void {
  const component = CREATORS[owner.kind ?? ''];
  if (!component) return;
  const message =
    owner.kind === 'StatefulSet'
      ? `create Pod ${pod.metadata.name} in StatefulSet ${owner.metadata.name} successful`
      : `Created pod: ${pod.metadata.name}`;
  events.record(owner, {
    type: 'Normal',
    reason: 'SuccessfulCreate',
    message,
    component,
  });
}

/**
 * What the scheduler and the kubelet record when a pod first starts: scheduled, then
 * for each container pulled, created and started, and a back-off when it keeps failing.
 */
export function recordPodStarted(
  events: EventRecorder,
  pod: KubeObject,
  failing: boolean,
): void {
  events.record(pod, {
    type: 'Normal',
    reason: 'Scheduled',
    message: `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${NODE_NAME}`,
    component: 'default-scheduler',
    action: 'Binding',
  });
  const kubelet = { component: 'kubelet', host: NODE_NAME };
  for (const c of containersOf(pod)) {
    const fieldPath = `spec.containers{${c.name}}`;
    const note = (reason: string, message: string) =>
      events.record(pod, {
        type: 'Normal',
        reason,
        message,
        fieldPath,
        ...kubelet,
      });
    note('Pulling', `Pulling image "${c.image}"`);
    note(
      'Pulled',
      `Successfully pulled image "${c.image}" in 0s (0s including waiting). Image size: 0 bytes.`,
    );
    note('Created', `Created container: ${c.name}`);
    note('Started', `Started container ${c.name}`);
    if (failing) {
      events.record(pod, {
        type: 'Warning',
        reason: 'BackOff',
        message: `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
        fieldPath,
        ...kubelet,
      });
    }
  }
}

/** What the kubelet records when it stops a terminating pod's containers. */
export function recordPodStopping(
  events: EventRecorder,
  pod: KubeObject,
): void {
  for (const c of containersOf(pod)) {
    events.record(pod, {
      type: 'Normal',
      reason: 'Killing',
      message: `Stopping container ${c.name}`,
      fieldPath: `spec.containers{${c.name}}`,
      component: 'kubelet',
      host: NODE_NAME,
    });
  }
}
