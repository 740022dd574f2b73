import { type Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import {
  ML_PLATFORM_ANNOTATIONS,
  ML_TOOLS_ENTITY_ANNOTATIONS,
  parseInstanceRef,
  type InstanceLink,
  type InstanceRef,
} from '@ml-platform/plugin-ml-tools-common';
import { RELEASE_KINDS } from '@ml-platform/plugin-ml-tools-node';
import type { NamedCondition, NamedWorkload } from './checks';
import type { MlToolsBackendRealm } from './config';

/** What the instance's health annotation says to check, with namespaces filled in. */
export interface HealthSpec {
  workloads: NamedWorkload[];
  conditions: Array<NamedCondition & { apiVersion: string; namespace: string }>;
  endpoints: string[];
}

/** An instance entity, resolved into what the checks need. */
export interface InstanceTarget {
  entityRef: string;
  instance: InstanceRef;
  tool: string;
  release?: {
    apiVersion: string;
    kind: string;
    namespace?: string;
    name: string;
  };
  workloadNamespace: string;
  selector?: string;
  clientId?: string;
  roleMappings: Record<string, string[]>;
  /** Role → user ids the tool grants it to directly. */
  roleUsers: Record<string, string[]>;
  links: InstanceLink[];
  /** Absent for instances deployed before the deploy wrote the health annotation. */
  health?: HealthSpec;
}

/**
 * Resolves an entity into an instance; NotFoundError when it is not one of ours.
 * `objectKinds` gives the API versions of a tool's plain objects, for instances that a
 * custom resource stands for: the release annotation names only the kind.
 */
export function resolveInstance(
  entity: Entity,
  options: {
    keycloak: MlToolsBackendRealm | undefined;
    objectKinds: (tool: string) => Array<{ apiVersion: string; kind: string }>;
  },
): InstanceTarget {
  const entityRef = stringifyEntityRef(entity);
  const annotations = entity.metadata.annotations ?? {};
  const rawInstance = annotations[ML_TOOLS_ENTITY_ANNOTATIONS.instance];
  if (!rawInstance) {
    throw new NotFoundError(`${entityRef} is not an ML tools instance`);
  }
  let instance: InstanceRef;
  try {
    instance = parseInstanceRef(rawInstance);
  } catch (e) {
    throw new NotFoundError(
      `${entityRef} has a malformed instance annotation: ${
        (e as Error).message
      }`,
    );
  }
  const tool =
    annotations[ML_TOOLS_ENTITY_ANNOTATIONS.tool] ??
    String(entity.spec?.type ?? '');
  const workloadNamespace =
    annotations[ML_TOOLS_ENTITY_ANNOTATIONS.kubernetesNamespace] ??
    instance.namespace;
  const keycloakClient =
    annotations[ML_TOOLS_ENTITY_ANNOTATIONS.keycloakClient];
  return {
    entityRef,
    instance,
    tool,
    release: parseRelease(annotations[ML_TOOLS_ENTITY_ANNOTATIONS.release], [
      ...RELEASE_KINDS,
      ...options.objectKinds(tool),
    ]),
    workloadNamespace,
    selector: annotations[ML_TOOLS_ENTITY_ANNOTATIONS.kubernetesLabelSelector],
    clientId: keycloakClient
      ? clientIdOf(keycloakClient, options.keycloak)
      : undefined,
    roleMappings: parseRoleMappings(
      annotations[ML_PLATFORM_ANNOTATIONS.roleMappings],
    ),
    roleUsers: parseRoleMappings(
      annotations[ML_PLATFORM_ANNOTATIONS.roleUsers],
    ),
    links: (entity.metadata.links ?? []).map(l => ({
      title: l.title ?? l.url,
      url: l.url,
      type: l.type ?? 'link',
      ...(l.icon ? { icon: l.icon } : {}),
    })),
    health: parseHealth(annotations[ML_TOOLS_ENTITY_ANNOTATIONS.health], {
      instance: instance.namespace,
      workloads: workloadNamespace,
    }),
  };
}

/**
 * What {@link resolveInstance} reads of an entity, as one string: two entities with the
 * same ref and signature resolve alike, so a resolved target can be reused while its
 * entity is unchanged. Cheaper than resolving (no JSON parsing, no objects).
 */
export function instanceSignature(entity: Entity): string {
  const annotations = entity.metadata.annotations ?? {};
  let signature = String(entity.spec?.type ?? '');
  for (const k in annotations) {
    if (Object.prototype.hasOwnProperty.call(annotations, k)) {
      signature += `\u0000${k}\u0001${annotations[k]}`;
    }
  }
  for (const l of entity.metadata.links ?? []) {
    signature += `\u0002${l.url}\u0001${l.title ?? ''}\u0001${l.type ?? ''}\u0001${
      l.icon ?? ''
    }`;
  }
  return signature;
}

/**
 * The clientId of a `<server>/<realm>/<clientId>` value, when server and realm are the
 * configured ones. Catalog data never chooses which Keycloak is called.
 */
export function clientIdOf(
  value: string,
  keycloak: MlToolsBackendRealm | undefined,
): string | undefined {
  const parts = value.split('/');
  if (!keycloak || parts.length !== 3) return undefined;
  const [server, realm, clientId] = parts;
  return server === keycloak.server && realm === keycloak.realm
    ? clientId
    : undefined;
}

/**
 * `<Kind>/<namespace>/<name>` or `<Kind>/<name>`, with the API version of the kind from
 * the release kinds or the tool's object kinds; undefined for a kind neither knows, so
 * catalog data never makes the backend read an arbitrary kind.
 */
function parseRelease(
  value: string | undefined,
  known: ReadonlyArray<{ apiVersion: string; kind: string }>,
): InstanceTarget['release'] {
  if (!value) return undefined;
  const parts = value.split('/');
  const kind = parts[0];
  const apiVersion = known.find(k => k.kind === kind)?.apiVersion;
  if (!apiVersion) return undefined;
  if (parts.length === 3 && parts[1] && parts[2]) {
    return { apiVersion, kind, namespace: parts[1], name: parts[2] };
  }
  if (parts.length === 2 && parts[1]) {
    return { apiVersion, kind, name: parts[1] };
  }
  return undefined;
}

/** A role → group paths annotation; `{}` when absent or malformed. */
export function parseRoleMappings(
  value: string | undefined,
): Record<string, string[]> {
  if (!value) return {};
  try {
    const parsed = JSON.parse(value);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      return {};
    const result: Record<string, string[]> = {};
    for (const [role, groups] of Object.entries(parsed)) {
      const list = Array.isArray(groups) ? groups : [groups];
      result[role] = list.filter((g): g is string => typeof g === 'string');
    }
    return result;
  } catch {
    return {};
  }
}

/** The workload kinds a blueprint may name (all `apps/v1`). */
export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'];

const nonEmpty = (v: unknown): v is string =>
  typeof v === 'string' && v.length > 0;

function items(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value)
    ? value.filter(
        (v): v is Record<string, unknown> =>
          !!v && typeof v === 'object' && !Array.isArray(v),
      )
    : [];
}

/**
 * The health annotation as the deploy wrote it from the blueprint. Entries missing a
 * field they need are left out rather than failing the whole card. Workloads default to
 * where the instance's workloads run, conditions to the instance's namespace (ignored
 * by the API server for cluster-scoped kinds).
 */
function parseHealth(
  value: string | undefined,
  namespaces: { instance: string; workloads: string },
): HealthSpec | undefined {
  if (!value) return undefined;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object') return undefined;
  return {
    workloads: items(parsed.workloads).flatMap(w =>
      nonEmpty(w.kind) && WORKLOAD_KINDS.includes(w.kind) && nonEmpty(w.name)
        ? [
            {
              kind: w.kind,
              name: w.name,
              namespace: nonEmpty(w.namespace)
                ? w.namespace
                : namespaces.workloads,
            },
          ]
        : [],
    ),
    conditions: items(parsed.conditions).flatMap(c =>
      nonEmpty(c.apiVersion) && nonEmpty(c.kind) && nonEmpty(c.name)
        ? [
            {
              title: nonEmpty(c.title) ? c.title : `${c.kind} ${c.name}`,
              apiVersion: c.apiVersion,
              kind: c.kind,
              name: c.name,
              namespace: nonEmpty(c.namespace)
                ? c.namespace
                : namespaces.instance,
              ...(nonEmpty(c.type) ? { type: c.type } : {}),
              ...(nonEmpty(c.failureType)
                ? { failureType: c.failureType }
                : {}),
            },
          ]
        : [],
    ),
    endpoints: Array.isArray(parsed.endpoints)
      ? parsed.endpoints.filter(nonEmpty)
      : [],
  };
}
