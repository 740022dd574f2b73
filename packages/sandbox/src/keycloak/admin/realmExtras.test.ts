import { KeycloakHttpError } from '../http';
import { RealmStore } from '../realmStore';
import { partialImport } from './realmExtras';

function status(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof KeycloakHttpError) return e.reply.status;
    throw e;
  }
  throw new Error('expected a Keycloak error');
}

describe('partialImport', () => {
  it('adds what is missing and reports each object with its new id', () => {
    const realm = RealmStore.create('r');
    const result = partialImport(realm, {
      ifResourceExists: 'FAIL',
      clients: [{ clientId: 'app' }],
      roles: {
        realm: [{ id: 'ignored-id', name: 'reader' }],
        client: { app: [{ name: 'writer' }] },
      },
      groups: [{ name: 'team' }],
      users: [{ username: 'ann' }],
    });
    expect(result).toMatchObject({ added: 5, skipped: 0, overwritten: 0 });
    const reader = realm.realmRole('reader')!;
    expect(reader.id).not.toBe('ignored-id');
    expect(result.results).toContainEqual({
      action: 'ADDED',
      resourceType: 'REALM_ROLE',
      resourceName: 'reader',
      id: reader.id,
    });
    const app = realm.clientByClientId('app')!;
    expect(realm.clientRole(app.id, 'writer')).toBeDefined();
    expect(result.results).toContainEqual(
      expect.objectContaining({
        resourceType: 'CLIENT_ROLE',
        resourceName: 'app-->writer',
      }),
    );
  });

  it('writes nothing under FAIL when any object exists', () => {
    const realm = RealmStore.create('r');
    realm.createRole(realm.state.id, false, { name: 'existing' });
    expect(
      status(() =>
        partialImport(realm, {
          ifResourceExists: 'FAIL',
          roles: { realm: [{ name: 'fresh' }, { name: 'existing' }] },
        }),
      ),
    ).toBe(409);
    expect(realm.realmRole('fresh')).toBeUndefined();
  });

  it('skips or overwrites existing objects as asked', () => {
    const realm = RealmStore.create('r');
    realm.createRole(realm.state.id, false, { name: 'r1' });
    const skipped = partialImport(realm, {
      ifResourceExists: 'SKIP',
      roles: { realm: [{ name: 'r1', description: 'new' }] },
    });
    expect(skipped).toMatchObject({ skipped: 1, added: 0 });
    expect(realm.realmRole('r1')!.description).toBeUndefined();
    const overwritten = partialImport(realm, {
      ifResourceExists: 'OVERWRITE',
      roles: { realm: [{ name: 'r1', description: 'new' }] },
    });
    expect(overwritten).toMatchObject({ overwritten: 1 });
    expect(realm.realmRole('r1')!.description).toBe('new');
  });

  it('refuses an unknown policy', () => {
    expect(
      status(() =>
        partialImport(RealmStore.create('r'), { ifResourceExists: 'MERGE' }),
      ),
    ).toBe(400);
  });
});
