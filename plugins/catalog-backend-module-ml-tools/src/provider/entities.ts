import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  type Entity,
  type EntityLink,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  backingStoreEntityName,
  instanceEntityName,
  KEYCLOAK_ATTRIBUTES,
  keycloakClientEntityName,
  keycloakGroupEntityRef,
  ML_PLATFORM_ANNOTATIONS,
  ML_PLATFORM_LABELS,
  ML_PLATFORM_MANAGER,
  ML_TOOLS_ENTITY_ANNOTATIONS,
  ML_TOOLS_RESOURCE_TYPES,
  stringifyInstanceRef,
  type InstanceRef,
} from '@ml-platform/plugin-ml-tools-common';
import type {
  MlToolsInstanceKind,
  MlToolsKeycloakClient,
  MlToolsKubernetesObject,
} from './types';

/** Kubernetes' cluster-tab annotation for the single-tenant service locator. */
const KUBERNETES_CLUSTER_ANNOTATION = 'backstage.io/kubernetes-cluster';

/** The component label value of the release that stands for an instance. */
const MAIN_COMPONENT = 'main';

/**
 * The label selector every instance list uses: our manager mark, a tool label, and the
 * main component. An instance has several releases carrying its instance and tool labels
 * (the tool's own and its auth proxy `<name>-proxy`); only the main one carries the
 * annotations its Component is built from.
 *
 * @public
 */
export const ML_TOOLS_INSTANCE_SELECTOR = `${ML_PLATFORM_LABELS.managedBy}=${ML_PLATFORM_MANAGER},${ML_PLATFORM_LABELS.tool},${ML_PLATFORM_LABELS.component}=${MAIN_COMPONENT}`;

/**
 * The Keycloak realm an instance's client lives in, as the provider knows it from config.
 *
 * @public
 */
export interface MlToolsKeycloakTarget {
  server: string;
  baseUrl: string;
  realm: string;
}

/** Result of turning one upstream object into entities. */
export interface TransformResult {
  entities: Entity[];
  /** Why the object was skipped or only partly used, for a warning. */
  problems: string[];
}

/** The location annotations of everything one source emits. */
export function sourceLocation(source: string): string {
  return `ml-tools:${source}`;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function parseJson(
  raw: string | undefined,
  what: string,
  problems: string[],
): unknown {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    problems.push(`annotation ${what} is not valid JSON`);
    return undefined;
  }
}

/**
 * The owner ref of an object: the owner annotation when it holds an entity ref, else the
 * owner label (a group name) as `group:default/<name>`.
 */
function ownerRef(
  annotation: string | undefined,
  label: string | undefined,
): string | undefined {
  if (annotation) {
    try {
      return stringifyEntityRef(
        parseEntityRef(annotation, {
          defaultKind: 'group',
          defaultNamespace: 'default',
        }),
      );
    } catch {
      // fall through to the label
    }
  }
  return label ? keycloakGroupEntityRef(label) : undefined;
}

function parseLinks(raw: unknown, problems: string[]): EntityLink[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    problems.push(
      `annotation ${ML_PLATFORM_ANNOTATIONS.links} is not an array`,
    );
    return [];
  }
  const links: EntityLink[] = [];
  for (const item of raw) {
    const link = record(item);
    const url = str(link?.url);
    if (!url || !/^https?:\/\//.test(url)) continue;
    links.push({
      url,
      ...(str(link?.title) ? { title: str(link?.title) } : {}),
      ...(str(link?.type) ? { type: str(link?.type) } : {}),
      ...(str(link?.icon) ? { icon: str(link?.icon) } : {}),
    });
  }
  return links;
}

function tagOf(tool: string): string[] {
  const tag = tool
    .toLocaleLowerCase('en-US')
    .replace(/[^a-z0-9+#-]/g, '-')
    .slice(0, 63);
  return tag ? [tag] : [];
}

/** Where the workloads of a release run, and the Helm release name they carry. */
function placement(
  kind: MlToolsInstanceKind,
  obj: MlToolsKubernetesObject,
  instanceName: string,
): { namespace: string; workloadNamespace: string } | undefined {
  const name = obj.metadata?.name;
  if (kind === 'Profile') {
    // A Kubeflow profile owns the namespace of the same name.
    return name ? { namespace: name, workloadNamespace: name } : undefined;
  }
  const namespace = obj.metadata?.namespace;
  if (!namespace) return undefined;
  const spec = obj.spec ?? {};
  const target =
    kind === 'HelmRelease'
      ? str(spec.targetNamespace)
      : str(record(spec.destination)?.namespace);
  return instanceName
    ? { namespace, workloadNamespace: target ?? namespace }
    : undefined;
}

/** A Kubernetes label value: at most 63 characters, alphanumeric at both ends. */
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/**
 * The selector of the workloads of every release of an instance (`app.kubernetes.io/instance`
 * is the Helm release name). The main release lists its parts in the releases annotation:
 * the auth proxy owns the instance's ingress, so selecting the main release alone would
 * miss it on the Kubernetes tab and in the health checks.
 */
function workloadSelector(
  name: string,
  raw: string | undefined,
  problems: string[],
): string {
  const parsed = parseJson(raw, ML_PLATFORM_ANNOTATIONS.releases, problems);
  const releases = Array.isArray(parsed)
    ? parsed.filter((r): r is string => typeof r === 'string')
    : [];
  const usable = releases.filter(r => LABEL_VALUE.test(r));
  if (usable.length < releases.length) {
    problems.push(
      `annotation ${ML_PLATFORM_ANNOTATIONS.releases} names releases that are not label values`,
    );
  }
  const names = [...new Set([name, ...usable])];
  return names.length === 1
    ? `${ML_PLATFORM_LABELS.helmInstance}=${name}`
    : `${ML_PLATFORM_LABELS.helmInstance} in (${names.join(',')})`;
}

/**
 * Turns one release (HelmRelease or Argo CD Application) or Kubeflow Profile carrying our
 * labels into its Component and the Resources of its backing stores.
 */
export function instanceToEntities(
  obj: MlToolsKubernetesObject,
  kind: MlToolsInstanceKind,
  context: { cluster: string; keycloak?: MlToolsKeycloakTarget },
): TransformResult {
  const problems: string[] = [];
  const labels = obj.metadata?.labels ?? {};
  const annotations = obj.metadata?.annotations ?? {};
  const component = labels[ML_PLATFORM_LABELS.component];
  if (component !== undefined && component !== MAIN_COMPONENT) {
    // A part of an instance (its auth proxy...), not an instance: it would make a second
    // Component of the same name, without links or role mappings. The list selector
    // already leaves these out; this keeps readers that do not filter honest.
    return { entities: [], problems: [] };
  }
  const name = labels[ML_PLATFORM_LABELS.instance] ?? obj.metadata?.name ?? '';
  const tool = labels[ML_PLATFORM_LABELS.tool];
  const where = placement(kind, obj, name);
  if (!tool || !where || !name) {
    return {
      entities: [],
      problems: ['missing tool label, name or namespace'],
    };
  }
  const ref: InstanceRef = {
    cluster: context.cluster,
    namespace: where.namespace,
    name,
  };
  const owner = ownerRef(
    annotations[ML_PLATFORM_ANNOTATIONS.owner],
    labels[ML_PLATFORM_LABELS.owner],
  );
  if (!owner) {
    return {
      entities: [],
      problems: [`no ${ML_PLATFORM_LABELS.owner} label`],
    };
  }

  const location = sourceLocation(`cluster/${context.cluster}`);
  const managed = {
    [ANNOTATION_LOCATION]: location,
    [ANNOTATION_ORIGIN_LOCATION]: location,
  };
  const dependsOn: string[] = [];
  const entities: Entity[] = [];

  const componentAnnotations: Record<string, string> = {
    ...managed,
    [ML_TOOLS_ENTITY_ANNOTATIONS.instance]: stringifyInstanceRef(ref),
    [ML_TOOLS_ENTITY_ANNOTATIONS.tool]: tool,
    [ML_TOOLS_ENTITY_ANNOTATIONS.release]:
      kind === 'Profile'
        ? `${kind}/${obj.metadata?.name}`
        : `${kind}/${obj.metadata?.namespace}/${obj.metadata?.name}`,
    [ML_TOOLS_ENTITY_ANNOTATIONS.kubernetesLabelSelector]:
      kind === 'Profile'
        ? `${ML_PLATFORM_LABELS.instance}=${name}`
        : workloadSelector(
            name,
            annotations[ML_PLATFORM_ANNOTATIONS.releases],
            problems,
          ),
    [ML_TOOLS_ENTITY_ANNOTATIONS.kubernetesNamespace]: where.workloadNamespace,
    [KUBERNETES_CLUSTER_ANNOTATION]: context.cluster,
  };

  const clientId = annotations[ML_PLATFORM_ANNOTATIONS.keycloakClientId];
  if (clientId && context.keycloak) {
    componentAnnotations[
      ML_TOOLS_ENTITY_ANNOTATIONS.keycloakClient
    ] = `${context.keycloak.server}/${context.keycloak.realm}/${clientId}`;
    dependsOn.push(
      stringifyEntityRef({
        kind: 'Resource',
        namespace: 'default',
        name: keycloakClientEntityName(context.keycloak.realm, clientId),
      }),
    );
  }

  const roleMappings = record(
    parseJson(
      annotations[ML_PLATFORM_ANNOTATIONS.roleMappings],
      ML_PLATFORM_ANNOTATIONS.roleMappings,
      problems,
    ),
  );
  if (roleMappings) {
    // Kept as Keycloak group paths: the access route resolves them against Keycloak and
    // the relations processor turns them into refs of the Keycloak module's Groups.
    componentAnnotations[ML_PLATFORM_ANNOTATIONS.roleMappings] =
      JSON.stringify(roleMappings);
  }

  const stores = parseJson(
    annotations[ML_PLATFORM_ANNOTATIONS.backingStores],
    ML_PLATFORM_ANNOTATIONS.backingStores,
    problems,
  );
  for (const item of Array.isArray(stores) ? stores : []) {
    const store = record(item);
    const storeKind = str(store?.kind);
    const storeName = str(store?.name);
    if (
      !storeName ||
      (storeKind !== ML_TOOLS_RESOURCE_TYPES.database &&
        storeKind !== ML_TOOLS_RESOURCE_TYPES.bucket)
    ) {
      problems.push(`backing store ${JSON.stringify(item)} is not usable`);
      continue;
    }
    const resourceName = backingStoreEntityName(ref, storeKind, storeName);
    dependsOn.push(
      stringifyEntityRef({
        kind: 'Resource',
        namespace: 'default',
        name: resourceName,
      }),
    );
    entities.push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: {
        name: resourceName,
        title: `${storeName} (${storeKind} of ${name})`,
        description: `${
          str(store?.description) ?? `The ${storeKind} ${storeName}.`
        } Backs ${tool} instance ${stringifyInstanceRef(ref)}.`,
        annotations: { ...managed },
        tags: tagOf(tool),
      },
      spec: { type: storeKind, owner },
    });
  }

  const lifecycle =
    annotations[ML_PLATFORM_ANNOTATIONS.lifecycle] ?? 'production';
  const links = parseLinks(
    parseJson(
      annotations[ML_PLATFORM_ANNOTATIONS.links],
      ML_PLATFORM_ANNOTATIONS.links,
      problems,
    ),
    problems,
  );
  entities.unshift({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: instanceEntityName(ref),
      title: annotations[ML_PLATFORM_ANNOTATIONS.title] ?? name,
      description:
        annotations[ML_PLATFORM_ANNOTATIONS.description] ??
        `${tool} instance ${name} in ${context.cluster}/${where.namespace}.`,
      annotations: componentAnnotations,
      tags: tagOf(tool),
      ...(links.length ? { links } : {}),
    },
    spec: {
      type: tool,
      lifecycle,
      owner,
      ...(dependsOn.length ? { dependsOn } : {}),
    },
  });
  return { entities, problems };
}

function attribute(
  client: MlToolsKeycloakClient,
  key: string,
): string | undefined {
  const value = client.attributes?.[key];
  return Array.isArray(value) ? str(value[0]) : str(value);
}

/** True when the client carries our manager attribute. */
export function isOurKeycloakClient(client: MlToolsKeycloakClient): boolean {
  return (
    attribute(client, KEYCLOAK_ATTRIBUTES.managedBy) === ML_PLATFORM_MANAGER
  );
}

/**
 * Turns one of our Keycloak clients into its `keycloak-client` Resource. Nothing secret is
 * copied: only ids, the description, the owner and a console link.
 */
export function keycloakClientToEntity(
  client: MlToolsKeycloakClient,
  keycloak: MlToolsKeycloakTarget,
): TransformResult {
  const clientId = str(client.clientId);
  if (!clientId) {
    return { entities: [], problems: ['client has no clientId'] };
  }
  const owner = ownerRef(
    undefined,
    attribute(client, KEYCLOAK_ATTRIBUTES.owner),
  );
  if (!owner) {
    return {
      entities: [],
      problems: [`client ${clientId} has no ${KEYCLOAK_ATTRIBUTES.owner}`],
    };
  }
  const location = sourceLocation(
    `keycloak/${keycloak.server}/${keycloak.realm}`,
  );
  const instance = attribute(client, KEYCLOAK_ATTRIBUTES.instance);
  const tool = attribute(client, KEYCLOAK_ATTRIBUTES.tool);
  const links: EntityLink[] = client.id
    ? [
        {
          url: `${keycloak.baseUrl}/admin/master/console/#/${encodeURIComponent(
            keycloak.realm,
          )}/clients/${encodeURIComponent(client.id)}/settings`,
          title: 'Keycloak client console',
          type: 'keycloak-console',
          icon: 'dashboard',
        },
      ]
    : [];
  return {
    entities: [
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Resource',
        metadata: {
          name: keycloakClientEntityName(keycloak.realm, clientId),
          title: `${clientId} (Keycloak client)`,
          description:
            str(client.description) ??
            `Keycloak client ${clientId} in realm ${keycloak.realm}${
              instance ? `, for instance ${instance}` : ''
            }.`,
          annotations: {
            [ANNOTATION_LOCATION]: location,
            [ANNOTATION_ORIGIN_LOCATION]: location,
            [ML_TOOLS_ENTITY_ANNOTATIONS.keycloakClient]: `${keycloak.server}/${keycloak.realm}/${clientId}`,
            ...(tool ? { [ML_TOOLS_ENTITY_ANNOTATIONS.tool]: tool } : {}),
          },
          tags: ['keycloak'],
          ...(links.length ? { links } : {}),
        },
        spec: { type: ML_TOOLS_RESOURCE_TYPES.keycloakClient, owner },
      },
    ],
    problems: [],
  };
}
