import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import type { InstanceRef } from './tools';

/** Longest `metadata.name` the catalog accepts. */
const MAX_ENTITY_NAME = 63;

/**
 * Turns any string into a valid catalog `metadata.name`: characters outside
 * `[a-zA-Z0-9-_.]` become `-`, separators do not repeat or touch the ends, and a name
 * longer than 63 characters is cut and suffixed with a hash of the whole, so two long
 * names that share a prefix stay distinct and the result never changes between runs.
 *
 * @public
 */
export function toEntityName(raw: string): string {
  const cleaned = raw
    .replace(/[^a-zA-Z0-9\-_.]/g, '-')
    .replace(/[-_.]{2,}/g, m => m[0])
    .replace(/^[-_.]+|[-_.]+$/g, '');
  if (cleaned.length <= MAX_ENTITY_NAME) {
    return cleaned || 'unnamed';
  }
  const suffix = fnv1a32(raw);
  const head = cleaned
    .slice(0, MAX_ENTITY_NAME - suffix.length - 1)
    .replace(/[-_.]+$/, '');
  return `${head}-${suffix}`;
}

/**
 * `metadata.name` of the Component of a tool instance: `<cluster>-<namespace>-<name>`.
 * Release names are only unique within a cluster, so the cluster and namespace are part
 * of the name; the name never depends on which other instances exist, so adding a
 * cluster never renames an entity.
 *
 * @public
 */
export function instanceEntityName(ref: InstanceRef): string {
  return toEntityName(`${ref.cluster}-${ref.namespace}-${ref.name}`);
}

/**
 * Entity ref of the Component of a tool instance, for example
 * `component:default/sandbox-ml-team-mlflow-a`.
 *
 * @public
 */
export function instanceEntityRef(ref: InstanceRef): string {
  return stringifyEntityRef({
    kind: 'Component',
    namespace: 'default',
    name: instanceEntityName(ref),
  });
}

/**
 * `metadata.name` of the Resource of a Keycloak client: `keycloak-<realm>-<clientId>`.
 *
 * @public
 */
export function keycloakClientEntityName(
  realm: string,
  clientId: string,
): string {
  return toEntityName(`keycloak-${realm}-${clientId}`);
}

/**
 * `metadata.name` of the Resource of a Keycloak realm: `keycloak-realm-<realm>`.
 *
 * @public
 */
export function keycloakRealmEntityName(realm: string): string {
  return toEntityName(`keycloak-realm-${realm}`);
}

/**
 * `metadata.name` of the Resource of a realm's user federation:
 * `keycloak-<realm>-federation-<name>`.
 *
 * @public
 */
export function userFederationEntityName(realm: string, name: string): string {
  return toEntityName(`keycloak-${realm}-federation-${name}`);
}

/**
 * `metadata.name` of the Resource of an instance's backing store (database or bucket):
 * `<instance entity name>-<kind>-<store name>`, where a store name that starts with the
 * instance's own name (`mlflow-a-mlflow-db` of instance `mlflow-a`) loses that prefix, as
 * the instance entity name already says it. Without the repetition the name stays readable
 * and short enough that it seldom needs the hash suffix of {@link toEntityName}; the kind
 * stays, so a database and a bucket of the same name never clash.
 *
 * @public
 */
export function backingStoreEntityName(
  ref: InstanceRef,
  kind: string,
  storeName: string,
): string {
  const prefix = `${ref.name}-`;
  const short =
    storeName.startsWith(prefix) && storeName.length > prefix.length
      ? storeName.slice(prefix.length)
      : storeName;
  return toEntityName(`${instanceEntityName(ref)}-${kind}-${short}`);
}

/**
 * Entity ref of the Group that the Keycloak catalog module makes of a Keycloak group.
 * That module names a group (and a subgroup) after its own name, the last segment of its
 * path, with characters outside `[a-zA-Z0-9-_.]` replaced by `-`, in the `default`
 * namespace. Accepts a group name, a group path (`/parent/child`) or a full entity ref,
 * which is returned as is.
 *
 * @public
 */
export function keycloakGroupEntityRef(groupPathOrName: string): string {
  const value = groupPathOrName.trim();
  if (/^group:/i.test(value)) {
    return stringifyEntityRef(
      parseEntityRef(value, { defaultNamespace: 'default' }),
    );
  }
  const segments = value.split('/').filter(Boolean);
  const name = segments[segments.length - 1] ?? value;
  return `group:default/${name.replace(/[^a-zA-Z0-9\-_.]/g, '-')}`;
}

/**
 * Entity ref of the User that the Keycloak catalog module makes of a Keycloak user
 * (named after the username, same character rule as groups).
 *
 * @public
 */
export function keycloakUserEntityRef(username: string): string {
  return `user:default/${username.replace(/[^a-zA-Z0-9\-_.]/g, '-')}`;
}

/** 32-bit FNV-1a as 8 hex digits: small, stable, and fine for name disambiguation. */
function fnv1a32(value: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * Relations between a tool instance Component and the Groups its role mappings name
 * (emitted by the catalog module's processor from `ml-platform.io/role-mappings`).
 *
 * @public
 */
export const ML_TOOLS_RELATIONS = Object.freeze({
  /** Component → Group: members of the group hold one of the instance's roles. */
  accessGrantedTo: 'accessGrantedTo',
  /** Group → Component: the reverse of `accessGrantedTo`. */
  hasAccessTo: 'hasAccessTo',
} as const);
