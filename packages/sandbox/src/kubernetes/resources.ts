import { isObject, JsonObject } from './json';
import type { KubeObject } from './types';

/**
 * Which naming rule the API server enforces on `metadata.name` of a kind.
 *
 * @public
 */
export type NameRule = 'subdomain' | 'label' | 'path';

/**
 * What the simulator knows of one resource: enough for routing, discovery, validation and
 * for choosing patch semantics.
 *
 * @public
 */
export interface ResourceType {
  /** API group; empty for the core group. */
  group: string;
  /** Served versions, preferred first. Objects are stored once and served in any of them. */
  versions: string[];
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs: string[];
  /** The `status` subresource: the main endpoint ignores status changes. */
  status: boolean;
  /** The `scale` subresource (apps workloads). */
  scale: boolean;
  nameRule: NameRule;
  /** Built-in kinds have a known schema (strategic merge, list keys); custom ones do not. */
  builtin: boolean;
  /** Whether `metadata.generation` is maintained. */
  generation: boolean;
  /** Answers computed from other objects (metrics); not stored, read-only. */
  virtual?: boolean;
}

/** The storage key of a resource: `<group>/<plural>`. */
export function resourceKey(
  rt: Pick<ResourceType, 'group' | 'plural'>,
): string {
  return `${rt.group}/${rt.plural}`;
}

/** `plural.group` as the API server names a resource in messages. */
export function qualifiedResource(
  rt: Pick<ResourceType, 'group' | 'plural'>,
): string {
  return rt.group ? `${rt.plural}.${rt.group}` : rt.plural;
}

/** `group/version`, or just `version` for the core group. */
export function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

const ALL_VERBS = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];

interface BuiltinSpec {
  group: string;
  versions: string[];
  kind: string;
  plural: string;
  namespaced?: boolean;
  shortNames?: string[];
  status?: boolean;
  scale?: boolean;
  nameRule?: NameRule;
  generation?: boolean;
  verbs?: string[];
  virtual?: boolean;
}

/**
 * Nodes, the events.k8s.io view of events and the review APIs of authorization and
 * authentication (see nodes.ts, events.ts, authorization.ts). The reviews are answered,
 * never stored, hence `virtual`.
 */
const WORKLOAD_API_TYPES: BuiltinSpec[] = [
  {
    group: '',
    versions: ['v1'],
    kind: 'Node',
    plural: 'nodes',
    namespaced: false,
    shortNames: ['no'],
    status: true,
  },
  {
    group: 'events.k8s.io',
    versions: ['v1'],
    kind: 'Event',
    plural: 'events',
    shortNames: ['ev'],
    verbs: ['get', 'list'],
    virtual: true,
  },
  ...(
    [
      ['authorization.k8s.io', 'SelfSubjectAccessReview'],
      ['authorization.k8s.io', 'SelfSubjectRulesReview'],
      ['authentication.k8s.io', 'SelfSubjectReview'],
      ['authentication.k8s.io', 'TokenReview'],
    ] as const
  ).map(
    ([group, kind]): BuiltinSpec => ({
      group,
      versions: ['v1'],
      kind,
      plural: `${kind.toLowerCase()}s`,
      namespaced: false,
      verbs: ['create'],
      virtual: true,
    }),
  ),
];

const BUILTINS: BuiltinSpec[] = [
  {
    group: '',
    versions: ['v1'],
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
    shortNames: ['ns'],
    status: true,
    nameRule: 'label',
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  },
  { group: '', versions: ['v1'], kind: 'Secret', plural: 'secrets' },
  {
    group: '',
    versions: ['v1'],
    kind: 'ConfigMap',
    plural: 'configmaps',
    shortNames: ['cm'],
  },
  {
    group: '',
    versions: ['v1'],
    kind: 'Service',
    plural: 'services',
    shortNames: ['svc'],
    status: true,
    nameRule: 'label',
  },
  {
    group: '',
    versions: ['v1'],
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    shortNames: ['sa'],
  },
  {
    group: '',
    versions: ['v1'],
    kind: 'Pod',
    plural: 'pods',
    shortNames: ['po'],
    status: true,
    generation: true,
  },
  {
    group: '',
    versions: ['v1'],
    kind: 'Event',
    plural: 'events',
    shortNames: ['ev'],
  },
  {
    group: '',
    versions: ['v1'],
    kind: 'PersistentVolumeClaim',
    plural: 'persistentvolumeclaims',
    shortNames: ['pvc'],
    status: true,
  },
  {
    group: '',
    versions: ['v1'],
    kind: 'LimitRange',
    plural: 'limitranges',
    shortNames: ['limits'],
  },
  {
    group: '',
    versions: ['v1'],
    kind: 'ResourceQuota',
    plural: 'resourcequotas',
    shortNames: ['quota'],
    status: true,
  },
  {
    group: 'apps',
    versions: ['v1'],
    kind: 'Deployment',
    plural: 'deployments',
    shortNames: ['deploy'],
    status: true,
    scale: true,
    generation: true,
  },
  {
    group: 'apps',
    versions: ['v1'],
    kind: 'StatefulSet',
    plural: 'statefulsets',
    shortNames: ['sts'],
    status: true,
    scale: true,
    generation: true,
  },
  {
    group: 'apps',
    versions: ['v1'],
    kind: 'ReplicaSet',
    plural: 'replicasets',
    shortNames: ['rs'],
    status: true,
    scale: true,
    generation: true,
  },
  {
    group: 'apps',
    versions: ['v1'],
    kind: 'DaemonSet',
    plural: 'daemonsets',
    shortNames: ['ds'],
    status: true,
    generation: true,
  },
  {
    group: 'batch',
    versions: ['v1'],
    kind: 'Job',
    plural: 'jobs',
    status: true,
    generation: true,
  },
  {
    group: 'batch',
    versions: ['v1'],
    kind: 'CronJob',
    plural: 'cronjobs',
    shortNames: ['cj'],
    status: true,
    generation: true,
  },
  {
    group: 'autoscaling',
    versions: ['v2', 'v1'],
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
    shortNames: ['hpa'],
    status: true,
    generation: true,
  },
  {
    group: 'networking.k8s.io',
    versions: ['v1'],
    kind: 'Ingress',
    plural: 'ingresses',
    shortNames: ['ing'],
    status: true,
    generation: true,
  },
  {
    group: 'rbac.authorization.k8s.io',
    versions: ['v1'],
    kind: 'Role',
    plural: 'roles',
    nameRule: 'path',
  },
  {
    group: 'rbac.authorization.k8s.io',
    versions: ['v1'],
    kind: 'RoleBinding',
    plural: 'rolebindings',
    nameRule: 'path',
  },
  {
    group: 'rbac.authorization.k8s.io',
    versions: ['v1'],
    kind: 'ClusterRole',
    plural: 'clusterroles',
    namespaced: false,
    nameRule: 'path',
  },
  {
    group: 'rbac.authorization.k8s.io',
    versions: ['v1'],
    kind: 'ClusterRoleBinding',
    plural: 'clusterrolebindings',
    namespaced: false,
    nameRule: 'path',
  },
  {
    group: 'apiextensions.k8s.io',
    versions: ['v1'],
    kind: 'CustomResourceDefinition',
    plural: 'customresourcedefinitions',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    status: true,
    generation: true,
  },
  ...WORKLOAD_API_TYPES,
  {
    group: 'metrics.k8s.io',
    versions: ['v1beta1'],
    kind: 'PodMetrics',
    plural: 'pods',
    verbs: ['get', 'list'],
    virtual: true,
  },
];

/** Kinds that `kubectl get all` shows: the API server lists them in the `all` category. */
const ALL_CATEGORY = new Set([
  'Pod',
  'Service',
  'Deployment',
  'StatefulSet',
  'ReplicaSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'HorizontalPodAutoscaler',
]);

function builtinType(spec: BuiltinSpec): ResourceType {
  return {
    categories:
      ALL_CATEGORY.has(spec.kind) && !spec.virtual ? ['all'] : undefined,
    group: spec.group,
    versions: spec.versions,
    kind: spec.kind,
    listKind: `${spec.kind}List`,
    plural: spec.plural,
    singular: spec.kind.toLowerCase(),
    namespaced: spec.namespaced ?? true,
    shortNames: spec.shortNames,
    verbs: spec.verbs ?? ALL_VERBS,
    status: spec.status ?? false,
    scale: spec.scale ?? false,
    nameRule: spec.nameRule ?? 'subdomain',
    builtin: true,
    generation: spec.generation ?? false,
    virtual: spec.virtual,
  };
}

/**
 * Builds the resource type a CustomResourceDefinition declares, or explains why it cannot.
 * Only served versions are exposed; the storage version is listed first.
 */
export function typeFromCrd(crd: KubeObject): ResourceType {
  const spec = isObject(crd.spec) ? crd.spec : {};
  const names = isObject(spec.names) ? spec.names : {};
  const versions = Array.isArray(spec.versions)
    ? spec.versions.filter(isObject)
    : [];
  const served = versions.filter(v => v.served !== false);
  served.sort(
    (a, b) => Number(b.storage === true) - Number(a.storage === true),
  );
  const statusSub = served.some(
    v => isObject(v.subresources) && isObject(v.subresources.status),
  );
  const scaleSub = served.some(
    v => isObject(v.subresources) && isObject(v.subresources.scale),
  );
  const kind = String(names.kind ?? '');
  return {
    group: String(spec.group ?? ''),
    versions: served.map(v => String(v.name)),
    kind,
    listKind: String(names.listKind ?? `${kind}List`),
    plural: String(names.plural ?? ''),
    singular: String(names.singular ?? kind.toLowerCase()),
    namespaced: spec.scope !== 'Cluster',
    shortNames: Array.isArray(names.shortNames)
      ? names.shortNames.map(String)
      : undefined,
    categories: Array.isArray(names.categories)
      ? names.categories.map(String)
      : undefined,
    verbs: ALL_VERBS,
    status: statusSub,
    scale: scaleSub,
    nameRule: 'subdomain',
    builtin: false,
    generation: true,
  };
}

/** A permissive structural schema: the simulator keeps unknown fields of custom resources. */
const OPEN_SCHEMA: JsonObject = {
  openAPIV3Schema: {
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
  },
};

interface CrdSpec {
  group: string;
  versions: string[];
  kind: string;
  plural: string;
  shortNames?: string[];
  categories?: string[];
  scope?: 'Namespaced' | 'Cluster';
  status?: boolean;
}

/** The custom resources a platform cluster of this project has installed. */
const PREINSTALLED_CRDS: CrdSpec[] = [
  {
    group: 'helm.toolkit.fluxcd.io',
    versions: ['v2'],
    kind: 'HelmRelease',
    plural: 'helmreleases',
    shortNames: ['hr'],
    categories: ['all'],
    status: true,
  },
  {
    group: 'source.toolkit.fluxcd.io',
    versions: ['v1'],
    kind: 'HelmRepository',
    plural: 'helmrepositories',
    shortNames: ['helmrepo'],
    status: true,
  },
  // Argo CD's Application CRD has no status subresource: its controller writes status
  // through the main endpoint, which therefore bumps generation.
  {
    group: 'argoproj.io',
    versions: ['v1alpha1'],
    kind: 'Application',
    plural: 'applications',
    shortNames: ['app', 'apps'],
    categories: ['argoproj'],
    status: false,
  },
  {
    group: 'kubeflow.org',
    versions: ['v1'],
    kind: 'Profile',
    plural: 'profiles',
    scope: 'Cluster',
    status: true,
  },
  {
    group: 'security.istio.io',
    // Istio serves both; Kubeflow's controllers still write v1beta1.
    versions: ['v1', 'v1beta1'],
    kind: 'AuthorizationPolicy',
    plural: 'authorizationpolicies',
    shortNames: ['ap'],
    categories: ['istio-io', 'security-istio-io'],
    status: true,
  },
];

/** CustomResourceDefinition objects for the preinstalled custom resources. */
export function preinstalledCrds(): KubeObject[] {
  return PREINSTALLED_CRDS.map(c => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${c.plural}.${c.group}` },
    spec: {
      group: c.group,
      names: {
        kind: c.kind,
        listKind: `${c.kind}List`,
        plural: c.plural,
        singular: c.kind.toLowerCase(),
        ...(c.shortNames ? { shortNames: c.shortNames } : {}),
        ...(c.categories ? { categories: c.categories } : {}),
      },
      scope: c.scope ?? 'Namespaced',
      versions: c.versions.map((name, i) => ({
        name,
        served: true,
        storage: i === 0,
        schema: OPEN_SCHEMA,
        ...(c.status ? { subresources: { status: {} } } : {}),
      })),
    },
  }));
}

/**
 * The resource types one simulated cluster serves: the built-in ones plus those that
 * CustomResourceDefinitions register at runtime.
 *
 * @public
 */
export class ResourceRegistry {
  private readonly byKey = new Map<string, ResourceType>();
  /** `groupVersion` → plural → type. */
  private readonly byGroupVersion = new Map<
    string,
    Map<string, ResourceType>
  >();
  private readonly builtinKeys = new Set<string>();

  constructor() {
    for (const spec of BUILTINS) {
      const rt = builtinType(spec);
      this.builtinKeys.add(resourceKey(rt));
      this.add(rt);
    }
  }

  /** Adds or replaces a type (CRD registration and updates). */
  add(rt: ResourceType): void {
    const key = resourceKey(rt);
    const old = this.byKey.get(key);
    if (old) this.removeIndex(old);
    this.byKey.set(key, rt);
    for (const v of rt.versions) {
      const gv = groupVersion(rt.group, v);
      let m = this.byGroupVersion.get(gv);
      if (!m) this.byGroupVersion.set(gv, (m = new Map()));
      m.set(rt.plural, rt);
    }
  }

  /** Removes a custom type (CRD deletion); built-in types stay. */
  remove(key: string): void {
    const rt = this.byKey.get(key);
    if (!rt || this.builtinKeys.has(key)) return;
    this.removeIndex(rt);
    this.byKey.delete(key);
  }

  private removeIndex(rt: ResourceType): void {
    for (const v of rt.versions) {
      const gv = groupVersion(rt.group, v);
      const m = this.byGroupVersion.get(gv);
      m?.delete(rt.plural);
      if (m && m.size === 0) this.byGroupVersion.delete(gv);
    }
  }

  isBuiltin(key: string): boolean {
    return this.builtinKeys.has(key);
  }

  /** The type served at `groupVersion` under `plural`. */
  lookup(gv: string, plural: string): ResourceType | undefined {
    return this.byGroupVersion.get(gv)?.get(plural);
  }

  /** The type of an object given its apiVersion and kind. */
  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    const m = this.byGroupVersion.get(apiVersion);
    if (!m) return undefined;
    for (const rt of m.values()) if (rt.kind === kind && !rt.virtual) return rt;
    return undefined;
  }

  get(key: string): ResourceType | undefined {
    return this.byKey.get(key);
  }

  all(): ResourceType[] {
    return [...this.byKey.values()];
  }

  /** Types served at one group version, for discovery. */
  inGroupVersion(gv: string): ResourceType[] | undefined {
    const m = this.byGroupVersion.get(gv);
    return m ? [...m.values()] : undefined;
  }

  /** Groups with their versions (preferred first), for `/apis`. */
  groups(): { name: string; versions: string[] }[] {
    const out = new Map<string, string[]>();
    for (const rt of this.byKey.values()) {
      if (!rt.group) continue;
      const list = out.get(rt.group) ?? [];
      for (const v of rt.versions) if (!list.includes(v)) list.push(v);
      out.set(rt.group, list);
    }
    return [...out.entries()].map(([name, versions]) => ({ name, versions }));
  }
}
