import { InputError } from '@backstage/errors';
import type { GatewayReadOptions } from '../kubernetes/types';
import {
  deleted,
  orUndefined,
  type KeycloakConnection,
} from './KeycloakConnection';
import type {
  KcComponent,
  KcGroup,
  KcLdapTest,
  KcLdapTestResult,
  KcRealm,
  KcSyncResult,
  KcUser,
} from './types';

/* Realms, components (user federation and its mappers) and their syncs, in any realm. */

/** @internal */
export function findRealm(
  kc: KeycloakConnection,
  realm: string,
  options: GatewayReadOptions = {},
): Promise<KcRealm | undefined> {
  return orUndefined(
    kc.call(
      'find-realm',
      realm,
      'read',
      async c =>
        ((await c.realms.findOne({ realm })) ?? undefined) as
          | KcRealm
          | undefined,
      { signal: options.signal, timeoutMs: options.timeoutMs },
    ),
  );
}

/** @internal */
export async function listRealms(
  kc: KeycloakConnection,
  options: GatewayReadOptions = {},
): Promise<KcRealm[]> {
  return (await kc.call(
    'list-realms',
    '*',
    'read',
    c => c.realms.find({ briefRepresentation: true }),
    { signal: options.signal, timeoutMs: options.timeoutMs },
  )) as KcRealm[];
}

/** @internal */
export async function createRealm(
  kc: KeycloakConnection,
  realm: KcRealm,
): Promise<void> {
  await kc.call(
    'create-realm',
    realm.realm,
    'create',
    async c => {
      await c.realms.create(realm);
      return true;
    },
    {
      recover: async () =>
        (await findRealm(kc, realm.realm)) ? true : undefined,
    },
  );
}

/** @internal */
export async function listComponents(
  kc: KeycloakConnection,
  realm: string,
  query: { parent?: string; type?: string; name?: string },
  options: GatewayReadOptions = {},
): Promise<KcComponent[]> {
  return (await kc.call(
    'list-components',
    `${realm}/${query.type ?? '*'}`,
    'read',
    c => c.components.find({ realm, ...query }),
    { signal: options.signal, timeoutMs: options.timeoutMs },
  )) as KcComponent[];
}

/** @internal */
export async function createComponent(
  kc: KeycloakConnection,
  realm: string,
  component: KcComponent,
): Promise<string> {
  const { id } = await kc.call(
    'create-component',
    `${realm}/${component.name}`,
    'create',
    c => c.components.create({ realm, ...component }),
    {
      recover: async () => {
        const found = await listComponents(kc, realm, {
          parent: component.parentId,
          type: component.providerType,
          name: component.name,
        });
        return found[0]?.id ? { id: found[0].id } : undefined;
      },
    },
  );
  return id;
}

/** @internal */
export async function updateComponent(
  kc: KeycloakConnection,
  realm: string,
  id: string,
  component: KcComponent,
): Promise<void> {
  await kc.call(
    'update-component',
    `${realm}/${component.name}`,
    'idempotent',
    c => c.components.update({ realm, id }, component),
  );
}

/** @internal */
export function deleteComponent(
  kc: KeycloakConnection,
  realm: string,
  id: string,
): Promise<boolean> {
  return deleted(
    kc.call('delete-component', `${realm}/${id}`, 'idempotent', c =>
      c.components.del({ realm, id }),
    ),
  );
}

/**
 * Keycloak's LDAP test. A refusal (Keycloak answers 400 with its error code) is a
 * result, not an error: callers name the field it is about.
 *
 * @internal
 */
export async function testLdapConnection(
  kc: KeycloakConnection,
  realm: string,
  test: KcLdapTest,
): Promise<KcLdapTestResult> {
  try {
    await kc.call(
      'test-ldap-connection',
      `${realm}/${test.action}`,
      'read',
      c => c.realms.testLDAPConnection({ realm }, test),
    );
    return { ok: true };
  } catch (error) {
    if (error instanceof InputError) {
      // The gateway's message ends with Keycloak's error code.
      const code = /HTTP 400 (.*)$/.exec(error.message)?.[1]?.trim();
      return { ok: false, error: code || 'UnknownError' };
    }
    throw error;
  }
}

/** @internal */
export async function syncUserStorage(
  kc: KeycloakConnection,
  realm: string,
  id: string,
  action: 'triggerFullSync' | 'triggerChangedUsersSync',
): Promise<KcSyncResult> {
  return (await kc.call(
    'sync-user-storage',
    `${realm}/${id}`,
    'idempotent',
    c => c.userStorageProvider.sync({ realm, id, action }),
  )) as KcSyncResult;
}

/** @internal */
export async function syncStorageMapper(
  kc: KeycloakConnection,
  realm: string,
  parentId: string,
  id: string,
  direction: 'fedToKeycloak' | 'keycloakToFed',
): Promise<KcSyncResult> {
  return (await kc.call(
    'sync-storage-mapper',
    `${realm}/${parentId}/${id}`,
    'idempotent',
    c => c.userStorageProvider.mappersSync({ realm, parentId, id, direction }),
  )) as KcSyncResult;
}

/**
 * Every user of the realm the storage provider imported, paging through the realm's users.
 *
 * @internal
 */
export async function listFederatedUsers(
  kc: KeycloakConnection,
  realm: string,
  componentId: string,
  options: GatewayReadOptions & { pageSize?: number } = {},
): Promise<KcUser[]> {
  const pageSize = options.pageSize ?? 500;
  const out: KcUser[] = [];
  for (let first = 0; ; first += pageSize) {
    const page = (await kc.call(
      'list-users',
      `${realm}@${first}`,
      'read',
      c =>
        c.users.find({
          realm,
          first,
          max: pageSize,
          briefRepresentation: false,
        }),
      { signal: options.signal, timeoutMs: options.timeoutMs },
    )) as Array<KcUser & { federationLink?: string }>;
    out.push(...page.filter(u => u.federationLink === componentId));
    if (page.length < pageSize) return out;
  }
}

/**
 * A user's direct groups, with their paths.
 *
 * @internal
 */
export async function listUserGroups(
  kc: KeycloakConnection,
  realm: string,
  userId: string,
  options: GatewayReadOptions = {},
): Promise<KcGroup[]> {
  return (await kc.call(
    'list-user-groups',
    `${realm}/${userId}`,
    'read',
    c => c.users.listGroups({ realm, id: userId }),
    { signal: options.signal, timeoutMs: options.timeoutMs },
  )) as KcGroup[];
}
