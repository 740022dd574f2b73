/*
 * Contract of the Keycloak admin API beyond plain CRUD (the endpoints Keycloak's own
 * admin-client suite exercises), written only against @keycloak/keycloak-admin-client
 * and fetch. It runs against the sandbox by default and against a real Keycloak when
 * KEYCLOAK_URL is set (variables: see keycloak.contract.test.ts); every object it makes
 * is uniquely named and removed afterwards, and realm settings it changes are restored.
 */
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { name, startTarget, statusOf, type Target } from './keycloakTarget';

jest.setTimeout(60_000);

describe('Keycloak admin API contract', () => {
  let target: Target;
  let kc: KcAdminClient;
  const cleanup: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    target = await startTarget();
    kc = new KcAdminClient({ baseUrl: target.url, realmName: target.realm });
    await target.login(kc);
  });

  afterAll(async () => {
    for (const undo of cleanup.reverse()) {
      await undo().catch(() => undefined);
    }
    await target?.sandbox?.stop();
  });

  async function newUser(extra: Record<string, unknown> = {}) {
    const username = name(`u${cleanup.length}`);
    const { id } = await kc.users.create({
      username,
      enabled: true,
      ...extra,
    });
    cleanup.push(() => kc.users.del({ id }));
    return { id, username };
  }

  async function newClient(extra: Record<string, unknown> = {}) {
    const clientId = name(`c${cleanup.length}`);
    const { id } = await kc.clients.create({ clientId, ...extra });
    cleanup.push(() => kc.clients.del({ id }));
    return { id, clientId };
  }

  async function newRealmRole(suffix: string) {
    const roleName = name(suffix);
    await kc.roles.create({ name: roleName });
    cleanup.push(() => kc.roles.delByName({ name: roleName }));
    return (await kc.roles.findOneByName({ name: roleName }))!;
  }

  describe('routes', () => {
    it('answers /users/profile as the user profile, not as a user named "profile"', async () => {
      const profile = await kc.users.getProfile();
      const names = (profile.attributes ?? []).map(a => a.name);
      expect(names).toEqual(expect.arrayContaining(['username', 'email']));

      const metadata = await kc.users.getProfileMetadata();
      expect(metadata.attributes?.map(a => a.name)).toEqual(
        expect.arrayContaining(['username', 'email']),
      );
    });

    it('echoes an updated profile and refuses one without the email attribute', async () => {
      const before = await kc.users.getProfile();
      cleanup.push(() => kc.users.updateProfile(before));
      const updated = await kc.users.updateProfile({
        ...before,
        unmanagedAttributePolicy: 'ENABLED' as any,
      });
      expect(updated.unmanagedAttributePolicy).toBe('ENABLED');
      expect((await kc.users.getProfile()).unmanagedAttributePolicy).toBe(
        'ENABLED',
      );

      const refused = await statusOf(
        kc.users.updateProfile({
          ...before,
          attributes: before.attributes!.filter(a => a.name !== 'email'),
        }),
      );
      expect(refused.status).toBe(400);
    });
  });

  describe('users', () => {
    it('finds users by built-in fields and attributes with q', async () => {
      const { id, username } = await newUser({
        email: `${name('q')}@contract.example`,
        attributes: { team: ['vision'] },
      });
      const byEmail = await kc.users.find({
        q: `email:${name('q')}@contract.example`,
      });
      expect(byEmail.map(u => u.id)).toEqual([id]);
      const byUsername = await kc.users.find({ q: `username:${username}` });
      expect(byUsername.map(u => u.id)).toEqual([id]);
      const byAttribute = await kc.users.find({
        q: `team:vision email:${name('q')}`,
      });
      expect(byAttribute.map(u => u.id)).toEqual([id]);
      expect(
        await kc.users.find({ q: `team:visio email:${name('q')}` }),
      ).toEqual([]);
    });

    it('lists, labels and deletes the password credential', async () => {
      const { id } = await newUser({
        credentials: [{ type: 'password', value: 'Contract-pass-1' }],
      });
      const [credential, ...others] = await kc.users.getCredentials({ id });
      expect(others).toEqual([]);
      expect(credential).toMatchObject({ type: 'password' });
      expect(typeof credential.id).toBe('string');
      expect(typeof credential.createdDate).toBe('number');

      await kc.users.updateCredentialLabel(
        { id, credentialId: credential.id! },
        'laptop',
      );
      expect((await kc.users.getCredentials({ id }))[0].userLabel).toBe(
        'laptop',
      );

      // Resetting the password keeps the credential (same id).
      await kc.users.resetPassword({
        id,
        credential: {
          type: 'password',
          value: 'Contract-pass-2',
          temporary: false,
        },
      });
      expect((await kc.users.getCredentials({ id }))[0].id).toBe(credential.id);

      await kc.users.deleteCredential({ id, credentialId: credential.id! });
      expect(await kc.users.getCredentials({ id })).toEqual([]);
      const again = await statusOf(
        kc.users.deleteCredential({ id, credentialId: credential.id! }),
      );
      expect(again.status).toBe(404);
      expect(await kc.users.getUserStorageCredentialTypes({ id })).toEqual([]);
    });

    it('has no sessions or consents before a login, and checks the client', async () => {
      const { id } = await newUser();
      const client = await newClient();
      expect(await kc.users.listSessions({ id })).toEqual([]);
      expect(
        await kc.users.listOfflineSessions({ id, clientId: client.id }),
      ).toEqual([]);
      expect(
        (
          await statusOf(
            kc.users.listOfflineSessions({ id, clientId: name('nothing') }),
          )
        ).status,
      ).toBe(404);
      expect(await kc.users.listConsents({ id })).toEqual([]);
      const revoke = await statusOf(
        kc.users.revokeConsent({ id, clientId: client.clientId }),
      );
      expect(revoke.status).toBe(404);
      await kc.users.logout({ id });
    });

    it('stores identity-provider links but lists only those of existing providers', async () => {
      const { id } = await newUser();
      const alias = name('idp');
      const link = { identityProvider: alias, userId: 'x-1', userName: 'x' };
      await kc.users.addToFederatedIdentity({
        id,
        federatedIdentityId: alias,
        federatedIdentity: link,
      });
      const twice = await statusOf(
        kc.users.addToFederatedIdentity({
          id,
          federatedIdentityId: alias,
          federatedIdentity: link,
        }),
      );
      expect(twice.status).toBe(409);
      expect(twice.data).toEqual({
        errorMessage: 'User is already linked with provider',
      });
      // No identity provider has that alias, so the listing leaves the link out.
      expect(await kc.users.listFederatedIdentities({ id })).toEqual([]);
      await kc.users.delFromFederatedIdentity({
        id,
        federatedIdentityId: alias,
      });
      const gone = await statusOf(
        kc.users.delFromFederatedIdentity({ id, federatedIdentityId: alias }),
      );
      expect(gone.status).toBe(404);
      expect(gone.data).toEqual({ error: 'Link not found' });
    });
  });

  describe('scope mappings', () => {
    it('maps realm roles into a client without full scope', async () => {
      const role = await newRealmRole('scoped');
      const { id } = await newClient({ fullScopeAllowed: false });

      const available = await kc.clients.listAvailableRealmScopeMappings({
        id,
      });
      const offered = available.find(r => r.id === role.id)!;
      expect(offered).toBeDefined();
      expect(offered).not.toHaveProperty('attributes');

      await kc.clients.addRealmScopeMappings({ id }, [offered]);
      expect(await kc.clients.listRealmScopeMappings({ id })).toEqual([
        offered,
      ]);
      expect(
        (await kc.clients.listCompositeRealmScopeMappings({ id })).map(
          r => r.id,
        ),
      ).toContain(role.id);
      expect(
        (await kc.clients.listAvailableRealmScopeMappings({ id })).map(
          r => r.id,
        ),
      ).not.toContain(role.id);
      const all = await kc.clients.listScopeMappings({ id });
      expect(all.realmMappings).toEqual([offered]);

      await kc.clients.delRealmScopeMappings({ id }, [offered]);
      expect(await kc.clients.listRealmScopeMappings({ id })).toEqual([]);
    });

    it('still offers unmapped roles to a full-scope client, whose effective scope has them all', async () => {
      const role = await newRealmRole('full');
      const { id } = await newClient();
      expect(
        (await kc.clients.listAvailableRealmScopeMappings({ id })).map(
          r => r.id,
        ),
      ).toContain(role.id);
      expect(
        (await kc.clients.listCompositeRealmScopeMappings({ id })).map(
          r => r.id,
        ),
      ).toContain(role.id);
    });

    it('maps client roles into a client scope', async () => {
      const owner = await newClient();
      const roleName = name('client-role');
      await kc.clients.createRole({ id: owner.id, name: roleName });
      const { id: scopeId } = await kc.clientScopes.create({
        name: name('scope'),
        protocol: 'openid-connect',
      });
      cleanup.push(() => kc.clientScopes.del({ id: scopeId }));

      const available = await kc.clientScopes.listAvailableClientScopeMappings({
        id: scopeId,
        client: owner.id,
      });
      expect(available.map(r => r.name)).toEqual([roleName]);
      await kc.clientScopes.addClientScopeMappings(
        { id: scopeId, client: owner.id },
        available,
      );
      expect(
        await kc.clientScopes.listClientScopeMappings({
          id: scopeId,
          client: owner.id,
        }),
      ).toEqual(available);
      expect(
        await kc.clientScopes.listAvailableClientScopeMappings({
          id: scopeId,
          client: owner.id,
        }),
      ).toEqual([]);
      const all = await kc.clientScopes.listScopeMappings({ id: scopeId });
      expect(all.clientMappings?.[owner.clientId]?.mappings).toEqual(available);

      // Removing the role removes its mapping.
      await kc.clients.delRole({ id: owner.id, roleName });
      expect(
        await kc.clientScopes.listClientScopeMappings({
          id: scopeId,
          client: owner.id,
        }),
      ).toEqual([]);
    });
  });

  describe('roles', () => {
    it('answers composites in the brief form, searched and paged', async () => {
      const parent = await newRealmRole('parent');
      const alpha = await newRealmRole('alpha');
      const beta = await newRealmRole('beta');
      await kc.roles.createComposite({ roleId: parent.id! }, [alpha, beta]);

      const all = await kc.roles.getCompositeRoles({ id: parent.id! });
      expect(all.map(r => r.name).sort()).toEqual(
        [alpha.name, beta.name].sort(),
      );
      for (const r of all) expect(r).not.toHaveProperty('attributes');

      const searched = await kc.roles.getCompositeRoles({
        id: parent.id!,
        search: 'ALPHA',
      });
      expect(searched.map(r => r.name)).toEqual([alpha.name]);
      expect(
        await kc.roles.getCompositeRoles({ id: parent.id!, search: 'none' }),
      ).toEqual([]);
      const firstPage = await kc.roles.getCompositeRoles({
        id: parent.id!,
        first: 0,
        max: 1,
      });
      expect(firstPage).toHaveLength(1);

      const { attributes: _a, ...briefAlpha } = alpha;
      expect(
        await kc.roles.getCompositeRolesForRealm({ id: parent.id! }),
      ).toEqual(expect.arrayContaining([briefAlpha]));
    });
  });

  describe('clients', () => {
    it('regenerates the secret, and invalidating a rotated one succeeds with none kept', async () => {
      const { id } = await newClient();
      const before = await kc.clients.getClientSecret({ id });
      const regenerated = await kc.clients.generateNewClientSecret({ id });
      expect(regenerated.type).toBe('secret');
      expect(regenerated.value).not.toBe(before.value);
      expect(await kc.clients.getClientSecret({ id })).toEqual(regenerated);
      await kc.clients.invalidateSecret({ id });
    });

    it('has no sessions and registers cluster nodes by hand', async () => {
      const { id } = await newClient();
      expect(await kc.clients.listSessions({ id })).toEqual([]);
      expect(await kc.clients.listOfflineSessions({ id })).toEqual([]);
      expect(await kc.clients.getSessionCount({ id })).toEqual({ count: 0 });
      expect(await kc.clients.getOfflineSessionCount({ id })).toEqual({
        count: 0,
      });

      await kc.clients.addClusterNode({ id, node: '10.0.0.1' });
      const registered = (await kc.clients.findOne({ id }))!.registeredNodes;
      expect(Object.keys(registered!)).toEqual(['10.0.0.1']);
      await kc.clients.deleteClusterNode({ id, node: '10.0.0.1' });
      expect((await kc.clients.findOne({ id }))!.registeredNodes).toBe(
        undefined,
      );
      expect(
        (await statusOf(kc.clients.deleteClusterNode({ id, node: '10.0.0.1' })))
          .status,
      ).toBe(404);
    });

    it('evaluates scopes: granted roles, mappers and an example token', async () => {
      const { id, clientId } = await newClient();
      const user = await newUser();
      const granted = await kc.clients.evaluatePermission({
        id,
        roleContainer: target.realm,
        type: 'granted',
        scope: 'openid',
      });
      const realmRoles = await kc.roles.find();
      // A full-scope client is granted every realm role.
      expect(granted.map(r => r.id).sort()).toEqual(
        realmRoles.map(r => r.id).sort(),
      );
      const mappers = await kc.clients.evaluateListProtocolMapper({
        id,
        scope: 'openid',
      });
      expect(mappers.length).toBeGreaterThan(0);
      expect(mappers[0]).toHaveProperty('containerType');
      const token = await kc.clients.evaluateGenerateAccessToken({
        id,
        userId: user.id,
        scope: 'openid',
      });
      expect(token).toMatchObject({ typ: 'Bearer', azp: clientId });
    });

    it('serves installation files and generates a client certificate', async () => {
      const { id, clientId } = await newClient();
      const xml = await kc.clients.getInstallationProviders({
        id,
        providerId: 'keycloak-oidc-jboss-subsystem',
      });
      expect(typeof xml).toBe('string');
      expect(xml).toContain(`<resource>${clientId}</resource>`);
      const generated = await kc.clients.generateKey({
        id,
        attr: 'jwt.credential',
      });
      expect(generated.certificate).toMatch(/^[A-Za-z0-9+/=]+$/);
      expect(
        await kc.clients.getKeyInfo({ id, attr: 'jwt.credential' }),
      ).toEqual(generated);
    });
  });

  describe('authorization services', () => {
    it('seeds, stores and cross-references scopes, resources, policies and permissions', async () => {
      const { id } = await newClient({
        serviceAccountsEnabled: true,
        authorizationServicesEnabled: true,
      });
      const user = await newUser();
      const server = await kc.clients.getResourceServer({ id });
      expect(server.clientId).toBe(id);
      const seeded = await kc.clients.exportResource({ id });
      expect(seeded.resources?.map(r => r.name)).toEqual(['Default Resource']);

      const read = await kc.clients.createAuthorizationScope(
        { id },
        { name: 'read' },
      );
      expect(await kc.clients.listAllScopes({ id })).toEqual([read]);
      const resource = await kc.clients.createResource(
        { id },
        { name: name('res'), type: 'doc', scopes: [read] },
      );
      expect(
        await kc.clients.getResource({ id, resourceId: resource._id! }),
      ).toEqual(resource);
      expect(
        await kc.clients.listScopesByResource({
          id,
          resourceName: resource._id!,
        }),
      ).toEqual([{ id: read.id, name: 'read' }]);

      const policy = await kc.clients.createPolicy(
        { id, type: 'user' },
        { name: name('policy'), logic: 'POSITIVE' as any, users: [user.id] },
      );
      const permission = await kc.clients.createPermission(
        { id, type: 'scope' },
        {
          name: name('perm'),
          resources: [resource._id!],
          policies: [policy.id!],
          scopes: [read.id!],
        },
      );
      expect(
        (await kc.clients.findPermissions({ id, name: name('perm') })).map(
          p => p.id,
        ),
      ).toEqual([permission.id]);
      expect(
        await kc.clients.getAssociatedResources({
          id,
          permissionId: permission.id!,
        }),
      ).toEqual([{ _id: resource._id, name: resource.name }]);
      expect(
        (
          await kc.clients.getAssociatedPolicies({
            id,
            permissionId: permission.id!,
          })
        ).map(p => p.id),
      ).toEqual([policy.id]);
      expect(
        (
          await kc.clients.listDependentPolicies({ id, policyId: policy.id! })
        ).map(p => p.id),
      ).toEqual([permission.id]);
    });
  });

  describe('realm', () => {
    it('lists the realm keys; the active RS256 one signs the tokens', async () => {
      const keys = await kc.realms.getKeys({ realm: target.realm });
      const kid = keys.active!.RS256;
      const certs = await (
        await fetch(
          `${target.url}/realms/${target.realm}/protocol/openid-connect/certs`,
        )
      ).json();
      expect(certs.keys.map((k: { kid: string }) => k.kid)).toContain(kid);
      const key = keys.keys!.find(k => k.kid === kid)!;
      expect(key).toMatchObject({
        algorithm: 'RS256',
        type: 'RSA',
        use: 'SIG',
      });
      expect(typeof key.publicKey).toBe('string');
    });

    it('puts new users in the default groups', async () => {
      const { id: groupId } = await kc.groups.create({ name: name('default') });
      cleanup.push(() => kc.groups.del({ id: groupId }));
      await kc.realms.addDefaultGroup({ realm: target.realm, id: groupId });
      cleanup.push(() =>
        kc.realms.removeDefaultGroup({ realm: target.realm, id: groupId }),
      );
      const defaults = await kc.realms.getDefaultGroups({
        realm: target.realm,
      });
      expect(defaults.map(g => g.id)).toContain(groupId);

      const { id } = await newUser();
      expect((await kc.users.listGroups({ id })).map(g => g.id)).toContain(
        groupId,
      );
      await kc.realms.removeDefaultGroup({ realm: target.realm, id: groupId });
      expect(
        (await kc.realms.getDefaultGroups({ realm: target.realm })).map(
          g => g.id,
        ),
      ).not.toContain(groupId);
    });

    it('imports roles partially: FAIL refuses an existing one, SKIP counts it', async () => {
      const roleName = name('imported');
      cleanup.push(() => kc.roles.delByName({ name: roleName }));
      const rep = { roles: { realm: [{ name: roleName }] } };
      const first = await kc.realms.partialImport({
        realm: target.realm,
        rep: { ...rep, ifResourceExists: 'FAIL' },
      });
      expect(first).toMatchObject({ added: 1, skipped: 0, overwritten: 0 });
      expect(first.results[0]).toMatchObject({
        action: 'ADDED',
        resourceType: 'REALM_ROLE',
        resourceName: roleName,
      });
      expect(
        (
          await statusOf(
            kc.realms.partialImport({
              realm: target.realm,
              rep: { ...rep, ifResourceExists: 'FAIL' },
            }),
          )
        ).status,
      ).toBe(409);
      const skipped = await kc.realms.partialImport({
        realm: target.realm,
        rep: { ...rep, ifResourceExists: 'SKIP' },
      });
      expect(skipped).toMatchObject({ added: 0, skipped: 1 });
    });

    it('hides client secrets in a partial export', async () => {
      const { clientId } = await newClient();
      const exported = await kc.realms.export({
        realm: target.realm,
        exportClients: true,
      });
      const client = exported.clients!.find(c => c.clientId === clientId)!;
      expect(client.secret).toBe('**********');
    });

    it('creates, lists and deletes client initial access tokens', async () => {
      const access = await kc.realms.createClientsInitialAccess(
        { realm: target.realm },
        { count: 2, expiration: 0 },
      );
      cleanup.push(() =>
        kc.realms.delClientsInitialAccess({
          realm: target.realm,
          id: access.id!,
        }),
      );
      expect(typeof access.token).toBe('string');
      const listed = (
        await kc.realms.getClientsInitialAccess({ realm: target.realm })
      ).find(a => a.id === access.id)!;
      expect(listed).toMatchObject({ count: 2, remainingCount: 2 });
      expect(listed).not.toHaveProperty('token');
      await kc.realms.delClientsInitialAccess({
        realm: target.realm,
        id: access.id!,
      });
      expect(
        (await kc.realms.getClientsInitialAccess({ realm: target.realm })).map(
          a => a.id,
        ),
      ).not.toContain(access.id);
    });

    it('offers LDAP mapper types as sub-components of an LDAP provider', async () => {
      const realm = await kc.realms.findOne({ realm: target.realm });
      const { id } = await kc.components.create({
        name: name('ldap'),
        parentId: realm!.id,
        providerId: 'ldap',
        providerType: 'org.keycloak.storage.UserStorageProvider',
        config: { editMode: ['READ_ONLY'] },
      });
      cleanup.push(() => kc.components.del({ id }));
      const types = await kc.components.listSubComponents({
        id,
        type: 'org.keycloak.storage.ldap.mappers.LDAPStorageMapper',
      });
      expect(types.map(t => t.id)).toEqual(
        expect.arrayContaining(['user-attribute-ldap-mapper']),
      );
      const listed = await kc.components.find({
        parent: realm!.id,
        type: 'org.keycloak.storage.UserStorageProvider',
      });
      expect(listed.map(c => c.id)).toContain(id);
    });

    it('keeps the events settings it is given', async () => {
      const before = await kc.realms.getConfigEvents({ realm: target.realm });
      cleanup.push(() =>
        kc.realms.updateConfigEvents({ realm: target.realm }, before),
      );
      await kc.realms.updateConfigEvents(
        { realm: target.realm },
        { ...before, adminEventsEnabled: !before.adminEventsEnabled },
      );
      expect(
        (await kc.realms.getConfigEvents({ realm: target.realm }))
          .adminEventsEnabled,
      ).toBe(!before.adminEventsEnabled);
    });
  });
});
