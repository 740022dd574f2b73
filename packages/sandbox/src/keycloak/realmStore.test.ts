import { KeycloakHttpError } from './http';
import { RealmStore } from './realmStore';

/** Runs `fn` and returns the Keycloak answer it threw. */
function answer(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    if (e instanceof KeycloakHttpError) return e.reply;
    throw e;
  }
  throw new Error('expected a Keycloak error');
}

describe('RealmStore', () => {
  describe('group tree', () => {
    it('derives paths from the ancestry, so a rename cascades to descendants', () => {
      const realm = RealmStore.create('r');
      const top = realm.createGroup({ name: 'data' });
      const mid = realm.createGroup({ name: 'vision' }, top);
      const leaf = realm.createGroup({ name: 'ocr' }, mid);
      expect(realm.groupPath(leaf)).toBe('/data/vision/ocr');

      realm.updateGroup(top, { name: 'science' });
      expect(realm.groupPath(leaf)).toBe('/science/vision/ocr');
      expect(realm.groupByPath('/science/vision/ocr')).toBe(leaf);
      expect(realm.groupByPath('science/vision')).toBe(mid);
      expect(realm.groupByPath('/data/vision')).toBeUndefined();
    });

    it('escapes a slash inside a group name in paths', () => {
      const realm = RealmStore.create('r');
      const top = realm.createGroup({ name: 'a/b' });
      const child = realm.createGroup({ name: 'c' }, top);
      expect(realm.groupPath(child)).toBe('/a~/b/c');
      expect(realm.groupByPath('/a~/b/c')).toBe(child);
    });

    it('counts and orders children by name', () => {
      const realm = RealmStore.create('r');
      const top = realm.createGroup({ name: 'top' });
      for (const name of ['b', 'c', 'a']) realm.createGroup({ name }, top);
      expect(realm.subGroupCount(top.id)).toBe(3);
      expect(realm.childGroups(top.id).map(g => g.name)).toEqual([
        'a',
        'b',
        'c',
      ]);
    });

    it('answers Keycloak 409s on sibling name clashes, and allows the name elsewhere', () => {
      const realm = RealmStore.create('r');
      const top = realm.createGroup({ name: 'team' });
      realm.createGroup({ name: 'team' }, top);
      expect(answer(() => realm.createGroup({ name: 'team' }))).toEqual({
        status: 409,
        body: { errorMessage: "Top level group named 'team' already exists." },
        contentType: 'application/json',
      });
      expect(
        answer(() => realm.createGroup({ name: 'team' }, top)).body,
      ).toEqual({
        errorMessage: "Sibling group named 'team' already exists.",
      });
      const other = realm.createGroup({ name: 'other' });
      expect(
        answer(() => realm.updateGroup(other, { name: 'team' })).body,
      ).toEqual({
        errorMessage: "Sibling group named 'team' already exists.",
      });
      expect(answer(() => realm.createGroup({ name: ' ' })).body).toEqual({
        errorMessage: 'Group name is missing',
      });
    });

    it('moves groups, refusing cycles and clashes', () => {
      const realm = RealmStore.create('r');
      const a = realm.createGroup({ name: 'a' });
      const b = realm.createGroup({ name: 'b' }, a);
      realm.moveGroup(b, undefined);
      expect(realm.groupPath(b)).toBe('/b');
      realm.moveGroup(a, b);
      expect(realm.groupPath(a)).toBe('/b/a');
      expect(answer(() => realm.moveGroup(b, a)).status).toBe(400);
      realm.createGroup({ name: 'a' });
      expect(answer(() => realm.moveGroup(a, undefined)).status).toBe(409);
    });

    it('deletes a subtree with its memberships', () => {
      const realm = RealmStore.create('r');
      const top = realm.createGroup({ name: 'top' });
      const child = realm.createGroup({ name: 'child' }, top);
      const user = realm.createUser({ username: 'u' });
      realm.joinGroup(user, child);
      expect(realm.groupMembers(child.id)).toEqual([user]);
      realm.deleteGroup(top);
      expect(realm.state.groups).toEqual({});
      expect(user.groupIds).toEqual([]);
      expect(realm.childByName(undefined, 'top')).toBeUndefined();
    });
  });

  describe('conflicts and lookups', () => {
    it('indexes clients by clientId and refuses duplicates', () => {
      const realm = RealmStore.create('r');
      const client = realm.createClient({ clientId: 'app' });
      expect(realm.clientByClientId('app')).toBe(client);
      expect(client.secret).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(
        answer(() => realm.createClient({ clientId: 'app' })),
      ).toMatchObject({
        status: 409,
        body: { errorMessage: 'Client app already exists' },
      });
      realm.createClient({ clientId: 'other' });
      expect(
        answer(() => realm.updateClient(client, { clientId: 'other' })).status,
      ).toBe(409);
      realm.updateClient(client, { clientId: 'renamed' });
      expect(realm.clientByClientId('app')).toBeUndefined();
      expect(realm.clientByClientId('renamed')).toBe(client);
      expect(answer(() => realm.client('nope'))).toMatchObject({
        status: 404,
        body: { error: 'Could not find client' },
      });
    });

    it('keeps client attributes across updates, and drops emptied ones', () => {
      const realm = RealmStore.create('r');
      const client = realm.createClient({
        clientId: 'app',
        attributes: { 'ml-platform/instance': 'mlflow-a', other: 'x' },
      });
      realm.updateClient(client, { attributes: { other: '', added: 'y' } });
      expect(client.attributes).toEqual({
        'ml-platform/instance': 'mlflow-a',
        added: 'y',
      });
    });

    it('refuses duplicate usernames and emails, case-insensitively', () => {
      const realm = RealmStore.create('r');
      realm.createUser({ username: 'Alice', email: 'Alice@Example.test' });
      expect(
        answer(() => realm.createUser({ username: 'alice' })).body,
      ).toEqual({
        errorMessage: 'User exists with same username',
      });
      expect(
        answer(() =>
          realm.createUser({ username: 'bob', email: 'alice@example.test' }),
        ).body,
      ).toEqual({ errorMessage: 'User exists with same email' });
      expect(realm.userByUsername('ALICE')?.username).toBe('alice');
    });

    it('refuses duplicate roles per container, client scopes and mapper names', () => {
      const realm = RealmStore.create('r');
      const client = realm.createClient({ clientId: 'app' });
      realm.createRole(realm.state.id, false, { name: 'reader' });
      realm.createRole(client.id, true, { name: 'reader' });
      expect(
        answer(() =>
          realm.createRole(realm.state.id, false, { name: 'reader' }),
        ).body,
      ).toEqual({ errorMessage: 'Role with name reader already exists' });
      expect(
        answer(() => realm.createClientScope({ name: 'profile' })).body,
      ).toEqual({
        errorMessage: 'Client Scope profile already exists',
      });
      realm.addMapper(client, {
        name: 'm',
        protocolMapper: 'oidc-audience-mapper',
      });
      expect(
        answer(() =>
          realm.addMapper(client, { name: 'm', protocolMapper: 'x' }),
        ).body,
      ).toEqual({ errorMessage: 'Protocol mapper exists with same name' });
    });

    it('gives a new client the realm default scopes unless told otherwise', () => {
      const realm = RealmStore.create('r');
      const names = (ids: string[]) =>
        ids.map(id => realm.state.clientScopes[id].name);
      const plain = realm.createClient({ clientId: 'plain' });
      expect(names(plain.defaultClientScopes)).toEqual(
        expect.arrayContaining([
          'profile',
          'email',
          'roles',
          'web-origins',
          'acr',
          'basic',
        ]),
      );
      expect(names(plain.optionalClientScopes)).toContain('offline_access');
      const custom = realm.createClient({
        clientId: 'custom',
        defaultClientScopes: ['email'],
      });
      expect(names(custom.defaultClientScopes)).toEqual(['email']);
    });

    it('creates a service-account user and removes it with its client', () => {
      const realm = RealmStore.create('r');
      const client = realm.createClient({
        clientId: 'Robot',
        serviceAccountsEnabled: true,
      });
      const sa = realm.user(client.serviceAccountUserId!);
      expect(sa.username).toBe('service-account-robot');
      expect(realm.users()).not.toContain(sa);
      realm.deleteClient(client);
      expect(realm.state.users[sa.id]).toBeUndefined();
    });

    it('rebuilds every index from plain state', () => {
      const realm = RealmStore.create('r');
      const top = realm.createGroup({ name: 'top' });
      const child = realm.createGroup({ name: 'child' }, top);
      const user = realm.createUser({ username: 'u', email: 'u@x.test' });
      realm.joinGroup(user, child);
      realm.createClient({ clientId: 'app' });

      const copy = new RealmStore(JSON.parse(JSON.stringify(realm.state)));
      expect(copy.clientByClientId('app')?.clientId).toBe('app');
      expect(copy.groupByPath('/top/child')?.id).toBe(child.id);
      expect(copy.subGroupCount(top.id)).toBe(1);
      expect(copy.userByEmail('U@X.TEST')?.id).toBe(user.id);
      expect(copy.groupMembers(child.id).map(u => u.id)).toEqual([user.id]);
      expect(copy.realmRole('offline_access')).toBeDefined();
    });
  });
});
