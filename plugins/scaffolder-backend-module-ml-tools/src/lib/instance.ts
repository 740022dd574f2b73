import {
  instanceEntityRef,
  KEYCLOAK_ATTRIBUTES,
  ML_PLATFORM_ANNOTATIONS,
  ML_PLATFORM_LABELS,
  ML_PLATFORM_MANAGER,
} from '@ml-platform/plugin-ml-tools-common';
import {
  instanceSelector,
  MAIN_COMPONENT,
  mainObjectKinds,
  RELEASE_KIND_OF_DRIVER,
  type AnyToolBlueprint,
  type K8sObject,
  type KeycloakGateway,
  type KubernetesGateway,
  type MlToolsConfig,
} from '@ml-platform/plugin-ml-tools-node';
import type { OwnedInstance } from './access';

/** Where an instance lives, with its `<cluster>/<namespace>/<name>` ref. */
export interface InstanceWhere {
  cluster: string;
  namespace: string;
  name: string;
  ref: string;
}

/** What finding an instance needs. */
export interface InstanceReaders {
  config: MlToolsConfig;
  k8s: KubernetesGateway;
  kc: Pick<KeycloakGateway, 'findClientByClientId'>;
}

/** The namespace the driver keeps release objects in. */
export function releaseNamespace(
  config: MlToolsConfig,
  id: { namespace: string },
): string {
  return config.deploy.driver === 'argocd'
    ? config.deploy.argocd.namespace
    : id.namespace;
}

/** Kinds of the plain objects that can stand for an instance, of every known blueprint. */
export function objectKindsOf(blueprints: AnyToolBlueprint[]) {
  const seen = new Map<
    string,
    { apiVersion: string; kind: string; main?: boolean }
  >();
  for (const blueprint of blueprints) {
    for (const k of mainObjectKinds(blueprint)) {
      seen.set(`${k.apiVersion}/${k.kind}`, k);
    }
  }
  return [...seen.values()];
}

/**
 * The object that stands for the instance: its main release, or the main object of a
 * blueprint without a chart, found by our labels and its instance ref.
 */
export async function findAnchor(
  r: Pick<InstanceReaders, 'config' | 'k8s'>,
  blueprints: AnyToolBlueprint[],
  id: InstanceWhere,
): Promise<K8sObject | undefined> {
  const type = RELEASE_KIND_OF_DRIVER[r.config.deploy.driver];
  const release = await r.k8s.get(id.cluster, {
    apiVersion: type.apiVersion,
    kind: type.kind,
    namespace: releaseNamespace(r.config, id),
    name: id.name,
  });
  if (release) return release;
  for (const kind of objectKindsOf(blueprints).filter(k => k.main !== false)) {
    const found = await r.k8s.list(id.cluster, {
      apiVersion: kind.apiVersion,
      kind: kind.kind,
      labelSelector: `${instanceSelector(id.name)},${
        ML_PLATFORM_LABELS.component
      }=${MAIN_COMPONENT}`,
    });
    const anchor = found.find(
      o =>
        o.metadata.annotations?.[ML_PLATFORM_ANNOTATIONS.instanceRef] ===
        id.ref,
    );
    if (anchor) return anchor;
  }
  return undefined;
}

/** What exists of an instance, as far as ownership goes. */
export interface ExistingInstance extends OwnedInstance {
  /** Its main part, when it got that far. */
  anchor?: K8sObject;
}

function groupRefOfLabel(name: string | undefined): string | undefined {
  return name ? `group:default/${name}` : undefined;
}

/**
 * Finds an instance that exists, even in part, and its current owner: from its main
 * part (owner annotation), else from one of its Keycloak clients (owner attribute),
 * else from its Secrets (owner label). A deploy stopped before its main part was
 * written still has an owner that way; undefined when nothing of it exists.
 */
export async function findExistingInstance(
  r: InstanceReaders,
  blueprints: AnyToolBlueprint[],
  id: InstanceWhere,
  clientIds: string[],
): Promise<ExistingInstance | undefined> {
  const entityRef = instanceEntityRef(id);
  const anchor = await findAnchor(r, blueprints, id);
  if (anchor) {
    const owner =
      anchor.metadata.annotations?.[ML_PLATFORM_ANNOTATIONS.owner] ??
      groupRefOfLabel(anchor.metadata.labels?.[ML_PLATFORM_LABELS.owner]);
    return { ref: id.ref, entityRef, owner: owner ?? 'unknown', anchor };
  }
  for (const clientId of clientIds) {
    const client = await r.kc.findClientByClientId(clientId);
    const attrs = client?.attributes ?? {};
    if (
      attrs[KEYCLOAK_ATTRIBUTES.managedBy] === ML_PLATFORM_MANAGER &&
      attrs[KEYCLOAK_ATTRIBUTES.instance] === id.ref
    ) {
      return {
        ref: id.ref,
        entityRef,
        owner: String(attrs[KEYCLOAK_ATTRIBUTES.owner] ?? 'unknown'),
      };
    }
  }
  const secrets = await r.k8s.list(id.cluster, {
    apiVersion: 'v1',
    kind: 'Secret',
    namespace: id.namespace,
    labelSelector: instanceSelector(id.name),
  });
  const owned = secrets.find(
    s =>
      s.metadata.labels?.[ML_PLATFORM_LABELS.managedBy] === ML_PLATFORM_MANAGER,
  );
  if (owned) {
    return {
      ref: id.ref,
      entityRef,
      owner:
        groupRefOfLabel(owned.metadata.labels?.[ML_PLATFORM_LABELS.owner]) ??
        'unknown',
    };
  }
  return undefined;
}

/** The role → group paths recorded on the main part by the last deploy that got there. */
export function recordedRoleMappings(
  anchor: K8sObject | undefined,
): Record<string, string[]> {
  try {
    const parsed = JSON.parse(
      anchor?.metadata.annotations?.[ML_PLATFORM_ANNOTATIONS.roleMappings] ??
        '{}',
    );
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return {};
    }
    return Object.fromEntries(
      Object.entries(parsed as Record<string, unknown>).map(([role, paths]) => [
        role,
        Array.isArray(paths) ? paths.filter(p => typeof p === 'string') : [],
      ]),
    );
  } catch {
    return {};
  }
}
