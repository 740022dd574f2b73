import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  type Entity,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  backingStoreEntityName,
  instanceEntityName,
  keycloakClientEntityName,
  ML_PLATFORM_ANNOTATIONS,
  ML_PLATFORM_LABELS,
  ML_PLATFORM_MANAGER,
  ML_TOOLS_ENTITY_ANNOTATIONS,
  ML_TOOLS_RESOURCE_TYPES,
  parseInstanceRef,
  stringifyInstanceRef,
  type InstanceRef,
} from '@ml-platform/plugin-ml-tools-common';
import { RELEASE_KINDS } from '@ml-platform/plugin-ml-tools-node';
import type { MlToolsInstanceKind, MlToolsKubernetesObject } from './types';
import {
  ownerRef,
  parseJson,
  parseLinks,
  record,
  sourceLocation,
  str,
  tagOf,
  type MlToolsKeycloakTarget,
  type TransformResult,
} from './values';

/** Kubernetes' cluster-tab annotation for the single-tenant service locator. */
const KUBERNETES_CLUSTER_ANNOTATION = 'backstage.io/kubernetes-cluster';

/** The component label value of the part that stands for an instance. */
const MAIN_COMPONENT = 'main';

/**
 * The label selector every instance list uses: our manager mark, a tool label, and the
 * main component. An instance has several parts carrying its instance and tool labels
 * (the tool's own release, its auth proxy `<name>-proxy`, plain objects); only the main
 * one carries the annotations its Component is built from.
 *
 * @public
 */
export const ML_TOOLS_INSTANCE_SELECTOR = `${ML_PLATFORM_LABELS.managedBy}=${ML_PLATFORM_MANAGER},${ML_PLATFORM_LABELS.tool},${ML_PLATFORM_LABELS.component}=${MAIN_COMPONENT}`;

/**
 * What the registry says about a tool, as the Component shows it.
 *
 * @public
 */
export interface MlToolsToolFacts {
  icon: string;
  category: string;
}

/** Where an instance object was read, and what the provider knows besides. */
export interface InstanceContext {
  cluster: string;
  keycloak?: MlToolsKeycloakTarget;
  /** The registry's facts of a tool id; undefined for a tool no blueprint knows. */
  tool?: (id: string) => MlToolsToolFacts | undefined;
}

/** True for the release kinds of the deploy drivers (as opposed to blueprint objects). */
export function isReleaseKind(kind: MlToolsInstanceKind): boolean {
  return RELEASE_KINDS.some(
    k => k.kind === kind.kind && k.apiVersion === kind.apiVersion,
  );
}

/**
 * The instance's namespace and where its workloads run. The deploy writes the instance
 * ref on every main part, so that is trusted first: an Argo CD Application lives in Argo
 * CD's namespace and a cluster-scoped object in none. Objects deployed before the
 * annotation existed fall back to their own namespace.
 */
function placement(
  obj: MlToolsKubernetesObject,
  isRelease: boolean,
  problems: string[],
): { namespace: string; workloadNamespace: string } | undefined {
  let namespace = str(obj.metadata?.namespace);
  const rawRef =
    obj.metadata?.annotations?.[ML_PLATFORM_ANNOTATIONS.instanceRef];
  if (rawRef) {
    try {
      namespace = parseInstanceRef(rawRef).namespace;
    } catch {
      problems.push(
        `annotation ${ML_PLATFORM_ANNOTATIONS.instanceRef} is not <cluster>/<namespace>/<name>`,
      );
    }
  }
  if (!namespace) return undefined;
  if (!isRelease) return { namespace, workloadNamespace: namespace };
  // Flux's targetNamespace or Argo CD's destination: where the chart's workloads run.
  const spec = obj.spec ?? {};
  const target =
    str(spec.targetNamespace) ?? str(record(spec.destination)?.namespace);
  return { namespace, workloadNamespace: target ?? namespace };
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
 * The clientIds of every Keycloak client of the instance: the JSON list when the deploy
 * wrote one, else the single clientId of instances deployed before it.
 */
function clientIdsOf(
  annotations: Record<string, string>,
  problems: string[],
): string[] {
  const parsed = parseJson(
    annotations[ML_PLATFORM_ANNOTATIONS.keycloakClientIds],
    ML_PLATFORM_ANNOTATIONS.keycloakClientIds,
    problems,
  );
  if (Array.isArray(parsed)) {
    return [...new Set(parsed.filter((c): c is string => !!str(c)))];
  }
  const single = str(annotations[ML_PLATFORM_ANNOTATIONS.keycloakClientId]);
  return single ? [single] : [];
}

/** The Resources of the backing stores the annotation lists, and their refs. */
function backingStores(
  raw: string | undefined,
  ref: InstanceRef,
  common: { tool: string; owner: string; annotations: Record<string, string> },
  problems: string[],
): Entity[] {
  const stores = parseJson(
    raw,
    ML_PLATFORM_ANNOTATIONS.backingStores,
    problems,
  );
  const entities: Entity[] = [];
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
    entities.push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: {
        name: backingStoreEntityName(ref, storeKind, storeName),
        title: `${storeName} (${storeKind} of ${ref.name})`,
        description: `${
          str(store?.description) ?? `The ${storeKind} ${storeName}.`
        } Backs ${common.tool} instance ${stringifyInstanceRef(ref)}.`,
        annotations: { ...common.annotations },
        tags: tagOf(common.tool),
      },
      spec: { type: storeKind, owner: common.owner },
    });
  }
  return entities;
}

/**
 * Turns the main part of an instance carrying our labels (a release, or a blueprint's
 * plain object such as a custom resource) into its Component and the Resources of its
 * backing stores.
 */
export function instanceToEntities(
  obj: MlToolsKubernetesObject,
  kind: MlToolsInstanceKind,
  context: InstanceContext,
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
  const isRelease = isReleaseKind(kind);
  const where = placement(obj, isRelease, problems);
  if (!tool || !where || !name) {
    return {
      entities: [],
      problems: [...problems, 'missing tool label, name or namespace'],
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
  const objectNamespace = str(obj.metadata?.namespace);

  const componentAnnotations: Record<string, string> = {
    ...managed,
    [ML_TOOLS_ENTITY_ANNOTATIONS.instance]: stringifyInstanceRef(ref),
    [ML_TOOLS_ENTITY_ANNOTATIONS.tool]: tool,
    [ML_TOOLS_ENTITY_ANNOTATIONS.release]: objectNamespace
      ? `${kind.kind}/${objectNamespace}/${obj.metadata?.name}`
      : `${kind.kind}/${obj.metadata?.name}`,
    // A release's workloads carry Helm's release label; a plain object's workloads
    // (made by its controller) carry only the instance label we put on everything.
    [ML_TOOLS_ENTITY_ANNOTATIONS.kubernetesLabelSelector]: isRelease
      ? workloadSelector(
          name,
          annotations[ML_PLATFORM_ANNOTATIONS.releases],
          problems,
        )
      : `${ML_PLATFORM_LABELS.instance}=${name}`,
    [ML_TOOLS_ENTITY_ANNOTATIONS.kubernetesNamespace]: where.workloadNamespace,
    [KUBERNETES_CLUSTER_ANNOTATION]: context.cluster,
  };

  const facts = context.tool?.(tool);
  if (facts) {
    componentAnnotations[ML_TOOLS_ENTITY_ANNOTATIONS.icon] = facts.icon;
    componentAnnotations[ML_TOOLS_ENTITY_ANNOTATIONS.category] = facts.category;
  }

  // Copied as parsed JSON objects, so a broken annotation is reported and left out.
  // Role mappings stay Keycloak group paths: the access route resolves them against
  // Keycloak and the relations processor turns them into refs of the Keycloak module's
  // Groups.
  for (const [from, to] of [
    [ML_PLATFORM_ANNOTATIONS.health, ML_TOOLS_ENTITY_ANNOTATIONS.health],
    [
      ML_PLATFORM_ANNOTATIONS.roleMappings,
      ML_PLATFORM_ANNOTATIONS.roleMappings,
    ],
    [ML_PLATFORM_ANNOTATIONS.roleUsers, ML_PLATFORM_ANNOTATIONS.roleUsers],
  ]) {
    const value = record(parseJson(annotations[from], from, problems));
    if (value) componentAnnotations[to] = JSON.stringify(value);
  }

  const clientIds = clientIdsOf(annotations, problems);
  if (clientIds.length > 0 && context.keycloak) {
    const { server, realm } = context.keycloak;
    // The first client is the instance's own: the one its health and summary show.
    componentAnnotations[
      ML_TOOLS_ENTITY_ANNOTATIONS.keycloakClient
    ] = `${server}/${realm}/${clientIds[0]}`;
    componentAnnotations[ML_TOOLS_ENTITY_ANNOTATIONS.keycloakClientIds] =
      JSON.stringify(clientIds);
    for (const clientId of clientIds) {
      dependsOn.push(
        stringifyEntityRef({
          kind: 'Resource',
          namespace: 'default',
          name: keycloakClientEntityName(realm, clientId),
        }),
      );
    }
  }

  const entities = backingStores(
    annotations[ML_PLATFORM_ANNOTATIONS.backingStores],
    ref,
    { tool, owner, annotations: managed },
    problems,
  );
  for (const store of entities) {
    dependsOn.push(stringifyEntityRef(store));
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
