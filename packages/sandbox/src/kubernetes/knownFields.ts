import { isObject } from './json';

/**
 * The fields of the built-in kinds clients commonly write, for `fieldValidation=Strict`:
 * `true` accepts anything below, an object lists the known fields, a one-element array
 * describes the items of a list. Kinds not listed here are not checked.
 */
export type Shape = true | { [field: string]: Shape } | [Shape];

const any = true as const;
const fields = (names: string, extra: Record<string, Shape> = {}) => ({
  ...Object.fromEntries(
    names
      .split(/\s+/)
      .filter(Boolean)
      .map(n => [n, any]),
  ),
  ...extra,
});

const META: Shape = fields(
  'name generateName namespace uid resourceVersion generation creationTimestamp deletionTimestamp deletionGracePeriodSeconds labels annotations ownerReferences finalizers managedFields selfLink',
);

const CONTAINER: Shape = fields(
  'name image command args workingDir ports envFrom env resources resizePolicy restartPolicy restartPolicyRules volumeMounts volumeDevices livenessProbe readinessProbe startupProbe lifecycle terminationMessagePath terminationMessagePolicy imagePullPolicy securityContext stdin stdinOnce tty',
);

const POD_SPEC: Shape = fields(
  'volumes ephemeralContainers restartPolicy terminationGracePeriodSeconds activeDeadlineSeconds dnsPolicy nodeSelector serviceAccountName serviceAccount automountServiceAccountToken nodeName hostNetwork hostPID hostIPC shareProcessNamespace securityContext imagePullSecrets hostname subdomain affinity schedulerName tolerations hostAliases priorityClassName priority dnsConfig readinessGates runtimeClassName enableServiceLinks preemptionPolicy overhead topologySpreadConstraints setHostnameAsFQDN os hostUsers schedulingGates resourceClaims resources',
  { containers: [CONTAINER], initContainers: [CONTAINER] },
);

const TEMPLATE: Shape = { metadata: META, spec: POD_SPEC };

const top = (extra: Record<string, Shape>): Shape => ({
  apiVersion: any,
  kind: any,
  metadata: META,
  status: any,
  ...extra,
});

const SHAPES: Record<string, Shape> = {
  '/configmaps': top(fields('data binaryData immutable')),
  '/secrets': top(fields('data stringData type immutable')),
  '/namespaces': top({ spec: any }),
  '/serviceaccounts': top(
    fields('secrets imagePullSecrets automountServiceAccountToken'),
  ),
  '/pods': top({ spec: POD_SPEC }),
  '/services': top({
    spec: fields(
      'selector clusterIP clusterIPs type externalIPs sessionAffinity loadBalancerIP loadBalancerSourceRanges externalName externalTrafficPolicy healthCheckNodePort publishNotReadyAddresses sessionAffinityConfig ipFamilies ipFamilyPolicy allocateLoadBalancerNodePorts loadBalancerClass internalTrafficPolicy trafficDistribution',
      {
        ports: [fields('name protocol appProtocol port targetPort nodePort')],
      },
    ),
  }),
  'apps/deployments': top({
    spec: fields(
      'replicas selector strategy minReadySeconds revisionHistoryLimit paused progressDeadlineSeconds',
      { template: TEMPLATE },
    ),
  }),
  'apps/statefulsets': top({
    spec: fields(
      'replicas selector volumeClaimTemplates serviceName podManagementPolicy updateStrategy revisionHistoryLimit minReadySeconds persistentVolumeClaimRetentionPolicy ordinals',
      { template: TEMPLATE },
    ),
  }),
  'apps/replicasets': top({
    spec: fields('replicas minReadySeconds selector', { template: TEMPLATE }),
  }),
  'apps/daemonsets': top({
    spec: fields(
      'selector updateStrategy minReadySeconds revisionHistoryLimit',
      {
        template: TEMPLATE,
      },
    ),
  }),
  'batch/jobs': top({
    spec: fields(
      'parallelism completions activeDeadlineSeconds podFailurePolicy successPolicy backoffLimit backoffLimitPerIndex maxFailedIndexes selector manualSelector ttlSecondsAfterFinished completionMode suspend podReplacementPolicy managedBy',
      { template: TEMPLATE },
    ),
  }),
};

function collect(
  value: unknown,
  shape: Shape,
  path: string,
  out: string[],
): void {
  if (shape === true) return;
  if (Array.isArray(shape)) {
    if (Array.isArray(value))
      value.forEach((v, i) => collect(v, shape[0], `${path}[${i}]`, out));
    return;
  }
  if (!isObject(value)) return;
  for (const [k, v] of Object.entries(value)) {
    const p = path ? `${path}.${k}` : k;
    if (!(k in shape)) out.push(p);
    else collect(v, shape[k], p, out);
  }
}

/** Paths of fields a built-in object carries that its kind does not have. */
export function unknownBuiltinFields(resource: string, obj: unknown): string[] {
  const shape = SHAPES[resource];
  if (!shape) return [];
  const out: string[] = [];
  collect(obj, shape, '', out);
  return out;
}

/** The known fields of a built-in kind (`<group>/<plural>`), for published schemas. */
export function builtinShape(resource: string): Shape | undefined {
  return SHAPES[resource];
}
