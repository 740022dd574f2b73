import { randomUUID } from 'node:crypto';
import { hashPassword, managementClientId, RealmStore } from './realmStore';
import type { GroupState } from './model';

/**
 * A user the seed creates.
 *
 * @public
 */
export interface KeycloakSeedUser {
  username: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  /** Login password; the user has none when absent. */
  password?: string;
  /** Group paths (`/data-scientists/vision`) the user joins. */
  groups?: string[];
  /** Realm roles granted to the user. */
  realmRoles?: string[];
}

/**
 * A group (and its subgroups) the seed creates.
 *
 * @public
 */
export interface KeycloakSeedGroup {
  name: string;
  attributes?: Record<string, string[]>;
  subGroups?: KeycloakSeedGroup[];
}

/**
 * What {@link KeycloakSimulator.seed} creates; every field has a default.
 *
 * @public
 */
export interface KeycloakSeed {
  /** The product realm; `ml-platform` by default. */
  realm?: string;
  /** Administrator of the master realm; `admin` / `admin` by default. */
  adminUsername?: string;
  adminPassword?: string;
  /** Confidential service-account client allowed to administer the product realm. */
  clientId?: string;
  clientSecret?: string;
  /** Users of the product realm; alice, bob, carol and dave by default. */
  users?: KeycloakSeedUser[];
  /** Group tree of the product realm. */
  groups?: KeycloakSeedGroup[];
}

/**
 * Credentials of a seeded simulator.
 *
 * @public
 */
export interface SeededCredentials {
  realm: string;
  clientId: string;
  clientSecret: string;
  adminUsername: string;
  adminPassword: string;
}

/**
 * Secret of the seeded `backstage` client; the simulator only listens locally, so a
 * constant is fine.
 *
 * @public
 */
export const DEFAULT_CLIENT_SECRET = 'backstage-sandbox-secret';

/** The default users; each one's password is its username. */
export const DEFAULT_USERS: KeycloakSeedUser[] = [
  {
    username: 'alice',
    email: 'alice@ml-platform.example',
    firstName: 'Alice',
    lastName: 'Martin',
    password: 'alice',
    groups: ['/ml-platform-team', '/data-scientists'],
  },
  {
    username: 'bob',
    email: 'bob@ml-platform.example',
    firstName: 'Bob',
    lastName: 'Bernard',
    password: 'bob',
    groups: ['/data-scientists/vision'],
  },
  {
    username: 'carol',
    email: 'carol@ml-platform.example',
    firstName: 'Carol',
    lastName: 'Dubois',
    password: 'carol',
    groups: ['/ml-platform-team', '/ml-engineers'],
  },
  {
    username: 'dave',
    email: 'dave@ml-platform.example',
    firstName: 'Dave',
    lastName: 'Moreau',
    password: 'dave',
    groups: ['/ml-platform-team', '/platform-admins'],
  },
];

export const DEFAULT_GROUPS: KeycloakSeedGroup[] = [
  { name: 'ml-platform-team' },
  { name: 'data-scientists', subGroups: [{ name: 'vision' }] },
  { name: 'ml-engineers' },
  { name: 'platform-admins' },
];

function ensureGroups(
  realm: RealmStore,
  groups: KeycloakSeedGroup[],
  parent?: GroupState,
): void {
  for (const spec of groups) {
    const group =
      realm.childByName(parent?.id, spec.name) ??
      realm.createGroup(
        { name: spec.name, attributes: spec.attributes },
        parent,
      );
    ensureGroups(realm, spec.subGroups ?? [], group);
  }
}

function ensureUser(realm: RealmStore, spec: KeycloakSeedUser): void {
  const user =
    realm.userByUsername(spec.username) ??
    realm.createUser({
      username: spec.username,
      email: spec.email,
      firstName: spec.firstName,
      lastName: spec.lastName,
      enabled: true,
      emailVerified: Boolean(spec.email),
    });
  if (spec.password !== undefined) {
    user.passwordHash = hashPassword(spec.password);
    user.passwordCredential ??= { id: randomUUID(), createdDate: Date.now() };
  }
  for (const path of spec.groups ?? []) {
    const group = realm.groupByPath(path);
    if (!group) throw new Error(`seed: group ${path} does not exist`);
    realm.joinGroup(user, group);
  }
  for (const name of spec.realmRoles ?? []) {
    const role =
      realm.realmRole(name) ??
      realm.createRole(realm.state.id, false, { name });
    if (!user.roleIds.includes(role.id)) user.roleIds.push(role.id);
  }
}

/**
 * Creates (or completes) the seeded objects. Running it twice changes nothing, so it can
 * also be applied to a restored snapshot.
 */
export function applySeed(
  realms: Map<string, RealmStore>,
  createRealm: (name: string) => RealmStore,
  seed: KeycloakSeed = {},
): SeededCredentials {
  const creds: SeededCredentials = {
    realm: seed.realm ?? 'ml-platform',
    clientId: seed.clientId ?? 'backstage',
    clientSecret: seed.clientSecret ?? DEFAULT_CLIENT_SECRET,
    adminUsername: seed.adminUsername ?? 'admin',
    adminPassword: seed.adminPassword ?? 'admin',
  };

  const master = realms.get('master') ?? createRealm('master');
  ensureUser(master, {
    username: creds.adminUsername,
    password: creds.adminPassword,
    realmRoles: ['admin'],
  });

  const realm = realms.get(creds.realm) ?? createRealm(creds.realm);
  ensureGroups(realm, seed.groups ?? DEFAULT_GROUPS);
  for (const user of seed.users ?? DEFAULT_USERS) ensureUser(realm, user);

  const client =
    realm.clientByClientId(creds.clientId) ??
    realm.createClient({
      clientId: creds.clientId,
      name: 'Backstage',
      description:
        'The portal: signs users in and administers the realm through its service account.',
      secret: creds.clientSecret,
      redirectUris: ['http://localhost:3000/*', 'http://localhost:7007/*'],
      webOrigins: ['+'],
      directAccessGrantsEnabled: true,
      serviceAccountsEnabled: true,
    });
  client.secret = creds.clientSecret;
  realm.enableServiceAccount(client);
  // Administers its own realm: realm-admin there, or master's superuser role.
  const management = realm.clientByClientId(managementClientId(realm.name));
  const adminRole =
    realm.name === 'master'
      ? realm.realmRole('admin')
      : management && realm.clientRole(management.id, 'realm-admin');
  const serviceAccount = realm.user(client.serviceAccountUserId!);
  if (adminRole && !serviceAccount.roleIds.includes(adminRole.id)) {
    serviceAccount.roleIds.push(adminRole.id);
  }
  return creds;
}
