/*
 * LDAP user federation, against a real directory: the `ldap` user-storage provider's
 * connection test, user import, the group mapper's import and the login of federated
 * users all talk to the LDAP server the component names, through ldapts.
 */
import { Client, type Entry } from 'ldapts';
import { badRequest, errorMessage } from './http';
import type { ComponentState, GroupState, UserState } from './model';
import type { RealmStore } from './realmStore';

export const USER_STORAGE = 'org.keycloak.storage.UserStorageProvider';
export const LDAP_MAPPER =
  'org.keycloak.storage.ldap.mappers.LDAPStorageMapper';
/** What Keycloak answers in place of a secret config value. */
export const SECRET_VALUE = '**********';

/** Config keys each provider keeps secret: masked on read, kept on a masked write. */
export const SECRET_CONFIG: Record<string, readonly string[]> = {
  ldap: ['bindCredential'],
};

/** The answer of a user-storage or mapper sync, as Keycloak words it. */
export interface SynchronizationResult {
  ignored: boolean;
  added: number;
  updated: number;
  removed: number;
  failed: number;
  status: string;
}

const first = (c: ComponentState, key: string) => c.config[key]?.[0];

function attributeValue(entry: Entry, name: string): string | undefined {
  const key = Object.keys(entry).find(
    k => k.toLowerCase() === name.toLowerCase(),
  );
  const raw = key === undefined ? undefined : entry[key];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return undefined;
  return Buffer.isBuffer(value) ? value.toString('hex') : String(value);
}

function attributeValues(entry: Entry, name: string): string[] {
  const key = Object.keys(entry).find(
    k => k.toLowerCase() === name.toLowerCase(),
  );
  const raw = key === undefined ? [] : entry[key];
  return (Array.isArray(raw) ? raw : [raw]).map(v =>
    Buffer.isBuffer(v) ? v.toString('utf8') : String(v),
  );
}

/** Keycloak's codes for a failed LDAP test, in the 400 it answers. */
function ldapErrorCode(error: unknown): string {
  const e = error as { code?: unknown; name?: string; message?: string };
  if (e?.name === 'InvalidCredentialsError' || e?.code === 49)
    return 'AuthenticationFailure';
  if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') return 'UnknownHost';
  if (
    typeof e?.code === 'string' ||
    /timeout|connect/i.test(e?.message ?? '')
  ) {
    return 'CommunicationError';
  }
  return 'UnknownError';
}

interface Connection {
  connectionUrl: string;
  connectionTimeout?: number;
}

function clientFor(c: Connection): Client {
  const timeout =
    Number(c.connectionTimeout) > 0 ? Number(c.connectionTimeout) : 5000;
  return new Client({
    url: c.connectionUrl.trim().split(/\s+/)[0],
    connectTimeout: timeout,
    timeout,
  });
}

async function withClient<T>(
  c: Connection,
  fn: (client: Client) => Promise<T>,
): Promise<T> {
  const client = clientFor(c);
  try {
    return await fn(client);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/**
 * `POST /testLDAPConnection`: `testConnection` connects (an anonymous bind),
 * `testAuthentication` binds with the given DN and credential. A masked credential with
 * a `componentId` means the stored one. Failures are Keycloak's 400 with an error code.
 */
export async function testLdapConnection(
  realm: RealmStore,
  body: Record<string, unknown>,
): Promise<void> {
  const action = String(body.action ?? '');
  const connectionUrl =
    typeof body.connectionUrl === 'string' ? body.connectionUrl : '';
  if (!connectionUrl) throw badRequest('LDAP connection URL is missing');
  let credential =
    typeof body.bindCredential === 'string' ? body.bindCredential : '';
  if (credential === SECRET_VALUE && typeof body.componentId === 'string') {
    const stored = realm.state.components[body.componentId];
    credential = stored ? first(stored, 'bindCredential') ?? '' : '';
  }
  const connection = {
    connectionUrl,
    connectionTimeout: Number(body.connectionTimeout) || undefined,
  };
  try {
    await withClient(connection, async client => {
      if (action === 'testAuthentication') {
        await client.bind(String(body.bindDn ?? ''), credential);
      } else if (action === 'testConnection') {
        await client.bind('', '');
      } else {
        throw Object.assign(new Error('unknown action'), { code: 'UNKNOWN' });
      }
    });
  } catch (error) {
    throw badRequest(ldapErrorCode(error));
  }
}

/** The mappers Keycloak creates with an LDAP provider, for its vendor and username attribute. */
export function defaultLdapMappers(
  provider: ComponentState,
): Array<Record<string, unknown>> {
  const username = first(provider, 'usernameLDAPAttribute') ?? 'uid';
  const ad = first(provider, 'vendor') === 'ad';
  const editMode = first(provider, 'editMode') ?? 'READ_ONLY';
  const readOnly = editMode === 'WRITABLE' ? 'false' : 'true';
  const attribute = (
    name: string,
    ldap: string,
    model: string,
    extra = {},
  ) => ({
    name,
    providerId: 'user-attribute-ldap-mapper',
    providerType: LDAP_MAPPER,
    parentId: provider.id,
    config: {
      'ldap.attribute': [ldap],
      'user.model.attribute': [model],
      'read.only': [readOnly],
      'always.read.value.from.ldap': ['false'],
      'is.mandatory.in.ldap': ['false'],
      ...extra,
    },
  });
  return [
    attribute('username', username, 'username', {
      'is.mandatory.in.ldap': ['true'],
    }),
    attribute(
      'first name',
      ad && username === 'sAMAccountName' ? 'givenName' : 'cn',
      'firstName',
      { 'is.mandatory.in.ldap': ['true'] },
    ),
    attribute('last name', 'sn', 'lastName', {
      'is.mandatory.in.ldap': ['true'],
    }),
    attribute('email', 'mail', 'email'),
    attribute('creation date', 'createTimestamp', 'createTimestamp', {
      'read.only': ['true'],
    }),
    attribute('modify date', 'modifyTimestamp', 'modifyTimestamp', {
      'read.only': ['true'],
    }),
  ];
}

function mappersOf(realm: RealmStore, provider: ComponentState) {
  return Object.values(realm.state.components).filter(
    c => c.parentId === provider.id && c.providerType === LDAP_MAPPER,
  );
}

function bindConfig(provider: ComponentState) {
  return {
    connectionUrl: first(provider, 'connectionUrl') ?? '',
    connectionTimeout:
      Number(first(provider, 'connectionTimeout')) || undefined,
    bindDn: first(provider, 'bindDn') ?? '',
    bindCredential: first(provider, 'bindCredential') ?? '',
  };
}

async function searchUsers(
  provider: ComponentState,
  client: Client,
): Promise<Entry[]> {
  const classes = (first(provider, 'userObjectClasses') ?? 'inetOrgPerson')
    .split(',')
    .map(s => s.trim())
    .filter(Boolean);
  const custom = first(provider, 'customUserSearchFilter')?.trim() ?? '';
  const filter = `(&${classes
    .map(c => `(objectClass=${c})`)
    .join('')}${custom})`;
  const uuid = first(provider, 'uuidLDAPAttribute') ?? 'entryUUID';
  const { searchEntries } = await client.search(
    first(provider, 'usersDn') ?? '',
    {
      scope: first(provider, 'searchScope') === '2' ? 'sub' : 'one',
      filter,
      attributes: ['*', uuid, 'createTimestamp', 'modifyTimestamp'],
    },
  );
  return searchEntries;
}

function fieldsOf(realm: RealmStore, provider: ComponentState, entry: Entry) {
  const model: Record<string, string | undefined> = {};
  const attributes: Record<string, string[]> = {};
  for (const mapper of mappersOf(realm, provider)) {
    if (mapper.providerId !== 'user-attribute-ldap-mapper') continue;
    const ldapName = first(mapper, 'ldap.attribute');
    const modelName = first(mapper, 'user.model.attribute');
    if (!ldapName || !modelName) continue;
    const value = attributeValue(entry, ldapName);
    if (['username', 'email', 'firstName', 'lastName'].includes(modelName)) {
      model[modelName] = value;
    } else if (value !== undefined) {
      attributes[modelName] = [value];
    }
  }
  const usernameAttr = first(provider, 'usernameLDAPAttribute') ?? 'uid';
  model.username ??= attributeValue(entry, usernameAttr);
  const uuid = attributeValue(
    entry,
    first(provider, 'uuidLDAPAttribute') ?? 'entryUUID',
  );
  if (uuid) attributes.LDAP_ID = [uuid];
  attributes.LDAP_ENTRY_DN = [entry.dn];
  return { model, attributes };
}

function statusText(
  counts: { added: number; updated: number; removed: number; failed: number },
  what: 'users' | 'groups',
) {
  let status = `${counts.added} imported ${what}, ${counts.updated} updated ${what}`;
  if (what === 'groups' || counts.removed > 0)
    status += `, ${counts.removed} removed ${what}`;
  if (counts.failed > 0)
    status += `, ${counts.failed} ${what} failed sync! See server log for more details`;
  return status;
}

/**
 * Full or changed-users sync of an LDAP provider: binds with its bind DN and credential,
 * searches its users DN, and imports each entry as a user linked to the provider (with
 * `LDAP_ID` and `LDAP_ENTRY_DN`), fields mapped by its attribute mappers. A full sync
 * counts every linked user it sees as updated; a local user with the same username is a
 * failure. The group mappers' memberships follow.
 */
export async function syncLdapUsers(
  realm: RealmStore,
  provider: ComponentState,
  full: boolean,
): Promise<SynchronizationResult> {
  const config = bindConfig(provider);
  const counts = { added: 0, updated: 0, removed: 0, failed: 0 };
  await withClient(config, async client => {
    await client.bind(config.bindDn, config.bindCredential);
    for (const entry of await searchUsers(provider, client)) {
      const { model, attributes } = fieldsOf(realm, provider, entry);
      if (!model.username) {
        counts.failed += 1;
        continue;
      }
      const existing = realm.userByUsername(model.username);
      try {
        if (!existing) {
          realm.createUser({
            ...model,
            attributes,
            enabled: true,
            federationLink: provider.id,
          });
          counts.added += 1;
          continue;
        }
        if (existing.federationLink !== provider.id) {
          counts.failed += 1;
          continue;
        }
        const changed =
          (model.email?.toLowerCase() ?? undefined) !== existing.email ||
          model.firstName !== existing.firstName ||
          model.lastName !== existing.lastName;
        if (changed) {
          realm.updateUser(existing, {
            email: model.email ?? '',
            firstName: model.firstName ?? '',
            lastName: model.lastName ?? '',
            attributes: { ...existing.attributes, ...attributes },
          });
        }
        if (full || changed) counts.updated += 1;
      } catch {
        counts.failed += 1;
      }
    }
    for (const mapper of groupMappers(realm, provider)) {
      await applyMemberships(realm, provider, mapper, client);
    }
  }).catch(error => {
    if ((error as { status?: number }).status) throw error;
    throw errorMessage(400, ldapErrorCode(error));
  });
  // Keycloak records when the provider last synced, in seconds, in its config.
  provider.config.lastSync = [String(Math.floor(Date.now() / 1000))];
  return { ignored: false, ...counts, status: statusText(counts, 'users') };
}

function groupMappers(realm: RealmStore, provider: ComponentState) {
  return mappersOf(realm, provider).filter(
    m => m.providerId === 'group-ldap-mapper',
  );
}

interface LdapGroup {
  dn: string;
  name: string;
  members: string[];
}

async function searchGroups(
  mapper: ComponentState,
  client: Client,
): Promise<LdapGroup[]> {
  const classes = (first(mapper, 'group.object.classes') ?? 'groupOfNames')
    .split(',')
    .map(s => s.trim())
    .filter(Boolean);
  const custom = first(mapper, 'groups.ldap.filter')?.trim() ?? '';
  const nameAttr = first(mapper, 'group.name.ldap.attribute') ?? 'cn';
  const memberAttr = first(mapper, 'membership.ldap.attribute') ?? 'member';
  const { searchEntries } = await client.search(
    first(mapper, 'groups.dn') ?? '',
    {
      scope: 'sub',
      filter: `(&${classes.map(c => `(objectClass=${c})`).join('')}${custom})`,
      attributes: [nameAttr, memberAttr],
    },
  );
  return searchEntries.flatMap(entry => {
    const name = attributeValue(entry, nameAttr);
    return name
      ? [{ dn: entry.dn, name, members: attributeValues(entry, memberAttr) }]
      : [];
  });
}

/** The Keycloak group the LDAP group is imported as, under the mapper's groups path. */
function groupParent(
  realm: RealmStore,
  mapper: ComponentState,
): GroupState | undefined {
  const path = first(mapper, 'groups.path') ?? '/';
  return path === '/' || path === '' ? undefined : realm.groupByPath(path);
}

const normDn = (dn: string) => dn.replace(/\s*,\s*/g, ',').toLowerCase();

/** Whether the LDAP group lists the user, by DN or by the member attribute's user value. */
function isMember(
  mapper: ComponentState,
  group: LdapGroup,
  user: UserState,
): boolean {
  if ((first(mapper, 'membership.attribute.type') ?? 'DN') === 'UID') {
    return group.members.includes(user.username);
  }
  const dn = user.attributes.LDAP_ENTRY_DN?.[0];
  return !!dn && group.members.some(m => normDn(m) === normDn(dn));
}

/**
 * The memberships of the provider's users in the mapper's groups, as LDAP has them now
 * (Keycloak reads them from LDAP in the read-only modes; the simulator keeps them in step
 * at every sync and login). `only` narrows to one user.
 */
async function applyMemberships(
  realm: RealmStore,
  provider: ComponentState,
  mapper: ComponentState,
  client: Client,
  only?: UserState,
): Promise<void> {
  const parent = groupParent(realm, mapper);
  const groups = await searchGroups(mapper, client);
  const users = only
    ? [only]
    : Object.values(realm.state.users).filter(
        u => u.federationLink === provider.id,
      );
  for (const ldapGroup of groups) {
    const group = realm.childByName(parent?.id, ldapGroup.name);
    if (!group) continue;
    for (const user of users) {
      if (isMember(mapper, ldapGroup, user)) realm.joinGroup(user, group);
      else realm.leaveGroup(user, group);
    }
  }
}

/**
 * `fedToKeycloak` sync of a group mapper: every LDAP group under its groups DN becomes a
 * Keycloak group (added when missing, counted as updated otherwise), then the
 * provider's users get the memberships LDAP lists.
 */
export async function syncLdapGroups(
  realm: RealmStore,
  provider: ComponentState,
  mapper: ComponentState,
): Promise<SynchronizationResult> {
  const config = bindConfig(provider);
  const counts = { added: 0, updated: 0, removed: 0, failed: 0 };
  await withClient(config, async client => {
    await client.bind(config.bindDn, config.bindCredential);
    const parent = groupParent(realm, mapper);
    for (const ldapGroup of await searchGroups(mapper, client)) {
      try {
        if (realm.childByName(parent?.id, ldapGroup.name)) counts.updated += 1;
        else {
          realm.createGroup({ name: ldapGroup.name }, parent);
          counts.added += 1;
        }
      } catch {
        counts.failed += 1;
      }
    }
    await applyMemberships(realm, provider, mapper, client);
  }).catch(error => {
    if ((error as { status?: number }).status) throw error;
    throw errorMessage(400, ldapErrorCode(error));
  });
  return { ignored: false, ...counts, status: statusText(counts, 'groups') };
}

/**
 * Whether a federated user's password is right: a bind as the user's LDAP entry. Their
 * group memberships are read from LDAP again on success, as Keycloak does for the
 * read-only modes.
 */
export async function authenticateFederated(
  realm: RealmStore,
  user: UserState,
  password: string,
): Promise<boolean> {
  const provider = user.federationLink
    ? realm.state.components[user.federationLink]
    : undefined;
  const dn = user.attributes.LDAP_ENTRY_DN?.[0];
  if (!provider || provider.providerId !== 'ldap' || !dn || !password)
    return false;
  const config = bindConfig(provider);
  try {
    await withClient(config, client => client.bind(dn, password));
  } catch {
    return false;
  }
  await withClient(config, async client => {
    await client.bind(config.bindDn, config.bindCredential);
    for (const mapper of groupMappers(realm, provider)) {
      await applyMemberships(realm, provider, mapper, client, user);
    }
  }).catch(() => undefined);
  return true;
}
