import { isObject, JsonObject } from './json';

/*
 * The defaults the API server's defaulting functions set on the workload kinds, so that
 * objects read back as a real cluster returns them (`kubectl get -o yaml`, `rollout`,
 * clients comparing fields). Every default fills only a missing field, so defaulting is
 * idempotent and re-applying the same configuration stays a no-op.
 */

function setDefault(obj: JsonObject, key: string, value: unknown): void {
  if (obj[key] === undefined) obj[key] = value;
}

function child(obj: JsonObject, key: string): JsonObject {
  if (!isObject(obj[key])) obj[key] = {};
  return obj[key] as JsonObject;
}

/** `Always` for `:latest` or untagged images, `IfNotPresent` otherwise (digests too). */
export function defaultPullPolicy(image: unknown): string {
  const ref = String(image ?? '');
  if (ref.includes('@')) return 'IfNotPresent';
  const lastSegment = ref.slice(ref.lastIndexOf('/') + 1);
  const tag = lastSegment.includes(':')
    ? lastSegment.slice(lastSegment.indexOf(':') + 1)
    : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainers(list: unknown): void {
  if (!Array.isArray(list)) return;
  for (const c of list) {
    if (!isObject(c)) continue;
    setDefault(c, 'terminationMessagePath', '/dev/termination-log');
    setDefault(c, 'terminationMessagePolicy', 'File');
    setDefault(c, 'imagePullPolicy', defaultPullPolicy(c.image));
    setDefault(c, 'resources', {});
  }
}

/** Pod spec defaults (pods and every pod template); `restartPolicy` left to Jobs' authors. */
export function defaultPodSpecFields(
  spec: unknown,
  restartPolicy = true,
): void {
  if (!isObject(spec)) return;
  if (restartPolicy) setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
  defaultContainers(spec.containers);
  defaultContainers(spec.initContainers);
}

function template(spec: JsonObject): JsonObject | undefined {
  return isObject(spec.template) && isObject(spec.template.spec)
    ? spec.template.spec
    : undefined;
}

/** Defaults of one built-in kind (`<group>/<plural>`), in place. */
export function applyWorkloadDefaults(resource: string, obj: JsonObject): void {
  const spec = isObject(obj.spec) ? obj.spec : undefined;
  switch (resource) {
    case '/pods':
      defaultPodSpecFields(spec);
      if (spec) setDefault(spec, 'enableServiceLinks', true);
      break;
    case '/services':
      if (spec && spec.type !== 'ExternalName') {
        setDefault(spec, 'ipFamilies', ['IPv4']);
        setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
        setDefault(spec, 'internalTrafficPolicy', 'Cluster');
      }
      break;
    case 'apps/deployments':
      if (!spec) break;
      setDefault(spec, 'revisionHistoryLimit', 10);
      setDefault(spec, 'progressDeadlineSeconds', 600);
      {
        const strategy = child(spec, 'strategy');
        setDefault(strategy, 'type', 'RollingUpdate');
        if (strategy.type === 'RollingUpdate') {
          const ru = child(strategy, 'rollingUpdate');
          setDefault(ru, 'maxUnavailable', '25%');
          setDefault(ru, 'maxSurge', '25%');
        }
      }
      defaultPodSpecFields(template(spec));
      break;
    case 'apps/statefulsets':
      if (!spec) break;
      setDefault(spec, 'podManagementPolicy', 'OrderedReady');
      setDefault(spec, 'revisionHistoryLimit', 10);
      {
        const strategy = child(spec, 'updateStrategy');
        setDefault(strategy, 'type', 'RollingUpdate');
        if (strategy.type === 'RollingUpdate')
          setDefault(child(strategy, 'rollingUpdate'), 'partition', 0);
        const retention = child(spec, 'persistentVolumeClaimRetentionPolicy');
        setDefault(retention, 'whenDeleted', 'Retain');
        setDefault(retention, 'whenScaled', 'Retain');
      }
      defaultPodSpecFields(template(spec));
      break;
    case 'apps/daemonsets':
      if (!spec) break;
      setDefault(spec, 'revisionHistoryLimit', 10);
      {
        const strategy = child(spec, 'updateStrategy');
        setDefault(strategy, 'type', 'RollingUpdate');
        if (strategy.type === 'RollingUpdate') {
          const ru = child(strategy, 'rollingUpdate');
          setDefault(ru, 'maxUnavailable', 1);
          setDefault(ru, 'maxSurge', 0);
        }
      }
      defaultPodSpecFields(template(spec));
      break;
    case 'apps/replicasets':
      if (spec) defaultPodSpecFields(template(spec));
      break;
    case 'batch/jobs':
      if (!spec) break;
      setDefault(spec, 'parallelism', 1);
      setDefault(spec, 'completions', 1);
      setDefault(spec, 'backoffLimit', 6);
      setDefault(spec, 'completionMode', 'NonIndexed');
      setDefault(spec, 'suspend', false);
      defaultPodSpecFields(template(spec), false);
      break;
    case 'batch/cronjobs':
      if (!spec) break;
      setDefault(spec, 'concurrencyPolicy', 'Allow');
      setDefault(spec, 'suspend', false);
      setDefault(spec, 'successfulJobsHistoryLimit', 3);
      setDefault(spec, 'failedJobsHistoryLimit', 1);
      break;
    default:
      break;
  }
}
