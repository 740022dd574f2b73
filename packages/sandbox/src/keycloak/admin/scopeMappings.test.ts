import { RealmStore } from '../realmStore';
import {
  clientScopeContainer,
  clientScopeScopeContainer,
} from './scopeMappings';

describe('scope containers', () => {
  const setup = () => {
    const realm = RealmStore.create('r');
    const reader = realm.createRole(realm.state.id, false, { name: 'reader' });
    const parent = realm.createRole(realm.state.id, false, { name: 'parent' });
    parent.composites.push(reader.id);
    const other = realm.createClient({ clientId: 'other' });
    const otherRole = realm.createRole(other.id, true, { name: 'x' });
    return { realm, reader, parent, other, otherRole };
  };

  it('puts every role in the scope of a full-scope client', () => {
    const { realm, reader, otherRole } = setup();
    const client = realm.createClient({ clientId: 'app' });
    const scope = clientScopeContainer(realm, client);
    expect(scope.hasScope(reader)).toBe(true);
    expect(scope.hasScope(otherRole)).toBe(true);
    // Full scope does not map anything: the role is still offered as available.
    expect(scope.hasDirectScope(reader)).toBe(false);
  });

  it('limits a client without full scope to its mappings, their composites and its own roles', () => {
    const { realm, reader, parent, otherRole } = setup();
    const client = realm.createClient({
      clientId: 'app',
      fullScopeAllowed: false,
    });
    const own = realm.createRole(client.id, true, { name: 'own' });
    const scope = clientScopeContainer(realm, client);
    expect(scope.hasScope(reader)).toBe(false);
    expect(scope.hasScope(own)).toBe(true);
    scope.setIds([parent.id]);
    expect(client.scopeRoleIds).toEqual([parent.id]);
    expect(scope.hasScope(reader)).toBe(true);
    expect(scope.hasDirectScope(reader)).toBe(false);
    expect(scope.hasDirectScope(parent)).toBe(true);
    expect(scope.hasDirectScope(own)).toBe(true);
    expect(scope.hasScope(otherRole)).toBe(false);
  });

  it('drops a deleted role from every scope', () => {
    const { realm, reader } = setup();
    const client = realm.createClient({ clientId: 'app' });
    const clientScope = realm.createClientScope({ name: 's' });
    clientScopeContainer(realm, client).setIds([reader.id]);
    const scoped = clientScopeScopeContainer(realm, clientScope);
    scoped.setIds([reader.id]);
    expect(scoped.hasScope(reader)).toBe(true);
    realm.deleteRole(reader);
    expect(client.scopeRoleIds).toEqual([]);
    expect(clientScope.scopeRoleIds).toEqual([]);
  });
});
