import type {
  DriftReason,
  FleetOrphansResponse,
  InstanceListResponse,
  OrphanActionResponse,
} from '@ml-platform/plugin-ml-tools-common';
import { startSandbox, type Sandbox } from '@ml-platform/sandbox';
import request from 'supertest';
import {
  FLEET_NAMESPACE,
  OWNER_GROUP,
  startFleet,
  type Fleet,
} from './fleetFixture';

/*
 * Issue 14's role-mapping drift and orphan actions: instances deployed and catalogued
 * as in real use, then changed behind the suite's back (Keycloak's console, kubectl),
 * read back and acted on through the ML tools backend's routes.
 */

jest.setTimeout(180_000);

const names = ['rm-a', 'rm-b', 'adopt-me', 'drop-rel', 'drop-client'];

describe('role-mapping drift and orphan actions', () => {
  let sandbox: Sandbox;
  let fleet: Fleet;
  let cluster: string;
  const ref = (name: string) => `${cluster}/${FLEET_NAMESPACE}/${name}`;

  beforeAll(async () => {
    sandbox = await startSandbox();
    cluster = sandbox.clusters[0].name;
    fleet = await startFleet(sandbox);
    await fleet.deploy(...names);
    const components = await fleet.provide();
    if (components.length !== names.length) {
      throw new Error(
        `the provider emitted ${components.length} instances, not ${names.length}`,
      );
    }
    fleet.catalog.push(...components);
  });
  afterAll(() => sandbox?.stop());

  const driftOf = async (): Promise<Record<string, DriftReason[]>> => {
    const res = await request(fleet.server).get('/api/ml-tools/instances');
    expect(res.status).toBe(200);
    return Object.fromEntries(
      (res.body as InstanceListResponse).items.map(i => [
        i.entityRef.replace(/^component:default\/.*-ml-fleet-/, ''),
        i.drift ?? [],
      ]),
    );
  };
  const orphans = async () => {
    const res = await request(fleet.server).get('/api/ml-tools/fleet/orphans');
    expect(res.status).toBe(200);
    return (res.body as FleetOrphansResponse).items;
  };
  const act = (
    kind: string,
    id: string,
    action: string,
    query = '',
    body?: object,
  ) =>
    request(fleet.server)
      .post(
        `/api/ml-tools/fleet/orphans/${kind}/${encodeURIComponent(
          id,
        )}/${action}${query}`,
      )
      .send(body ?? {});

  it('names role mappings changed in Keycloak by hand, and forgets them once restored', async () => {
    const { kc } = fleet;
    const recorded = JSON.parse(
      fleet.entityOf(fleet.catalog, 'rm-a')!.metadata.annotations![
        'ml-platform.io/role-mappings'
      ],
    ) as Record<string, string[]>;
    const ownerPath = recorded.viewer[0];
    expect(ownerPath).toContain(OWNER_GROUP.metadata.name);
    expect(Object.values(await driftOf()).flat()).toEqual([]);

    // At the console: a group of someone else's gets rm-a's viewer role, and the owner
    // group loses rm-b's.
    const clientOf = async (clientId: string) =>
      (await kc.clients.find({ clientId }))[0];
    const a = await clientOf('rm-a');
    const b = await clientOf('rm-b');
    const viewerOf = async (clientUuid: string) =>
      kc.clients.findRole({ id: clientUuid, roleName: 'viewer' });
    const { id: intruders } = await kc.groups.create({ name: 'intruders' });
    await kc.groups.addClientRoleMappings({
      id: intruders,
      clientUniqueId: a.id!,
      roles: [(await viewerOf(a.id!)) as { id: string; name: string }],
    });
    const [owner] = (
      await kc.groups.find({ search: ownerPath.slice(1) })
    ).filter(g => g.path === ownerPath);
    const bViewer = (await viewerOf(b.id!)) as { id: string; name: string };
    await kc.groups.delClientRoleMappings({
      id: owner.id!,
      clientUniqueId: b.id!,
      roles: [bViewer],
    });

    const drift = await driftOf();
    expect(drift['rm-a'].map(d => [d.kind, d.roleMapping])).toEqual([
      [
        'role-mapping-changed',
        { role: 'viewer', group: '/intruders', change: 'added' },
      ],
    ]);
    expect(drift['rm-b'].map(d => [d.kind, d.roleMapping])).toEqual([
      [
        'role-mapping-changed',
        { role: 'viewer', group: ownerPath, change: 'removed' },
      ],
    ]);
    expect(drift['rm-a'][0].message).toContain('/intruders');
    for (const other of ['adopt-me', 'drop-rel', 'drop-client']) {
      expect(drift[other]).toEqual([]);
    }
    const attention = await request(fleet.server).get(
      '/api/ml-tools/instances?attention=true',
    );
    expect(
      (attention.body as InstanceListResponse).items.map(i => i.entityRef),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/-rm-a$/),
        expect.stringMatching(/-rm-b$/),
      ]),
    );

    // The health card of one instance says the same.
    const entity = fleet.entityOf(fleet.catalog, 'rm-a')!;
    const health = await request(fleet.server).get(
      `/api/ml-tools/instances/component/default/${entity.metadata.name}/health`,
    );
    expect(health.status).toBe(200);
    expect(
      (health.body.drift as DriftReason[]).map(d => d.roleMapping?.group),
    ).toEqual(['/intruders']);

    // Put back as deployed: the reasons go.
    await kc.groups.delClientRoleMappings({
      id: intruders,
      clientUniqueId: a.id!,
      roles: [(await viewerOf(a.id!)) as { id: string; name: string }],
    });
    await kc.groups.addClientRoleMappings({
      id: owner.id!,
      clientUniqueId: b.id!,
      roles: [bViewer],
    });
    expect(Object.values(await driftOf()).flat()).toEqual([]);
    await kc.groups.del({ id: intruders });
  });

  it('reads the role mappings of the whole realm in one Keycloak call, whatever the number of instances', async () => {
    const keycloakCalls = async (instances: number) => {
      const all = fleet.catalog.filter(e => e.kind === 'Component');
      const hidden = all.slice(instances);
      for (const e of hidden) fleet.catalog.splice(fleet.catalog.indexOf(e), 1);
      try {
        const mark = sandbox.log.mark();
        await driftOf();
        return sandbox.log
          .entries({ server: 'keycloak', since: mark })
          .filter(e => !e.path.includes('/protocol/openid-connect/token'))
          .map(e => `${e.method} ${e.path}`)
          .sort();
      } finally {
        fleet.catalog.push(...hidden);
      }
    };
    const one = await keycloakCalls(1);
    const five = await keycloakCalls(names.length);
    expect(five).toEqual(one);
    expect(five.filter(c => c.endsWith('/partial-export'))).toHaveLength(1);
    expect(five.length).toBeLessThanOrEqual(2);
  });

  it('removes a client whose release is gone, with the Secret of its secret; a dry run writes nothing', async () => {
    const { kc, k8s } = fleet;
    const [client] = await kc.clients.find({ clientId: 'drop-client' });
    const { value: secret } = await kc.clients.getClientSecret({
      id: client.id!,
    });
    await k8s.delete({
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'drop-client', namespace: FLEET_NAMESPACE },
    });
    expect(await orphans()).toEqual([
      expect.objectContaining({
        kind: 'client-without-release',
        id: 'drop-client',
        instanceRef: ref('drop-client'),
      }),
    ]);
    const secretsOf = async () =>
      (
        await k8s.list(
          'v1',
          'Secret',
          FLEET_NAMESPACE,
          undefined,
          undefined,
          undefined,
          undefined,
          'ml-platform.io/instance=drop-client',
        )
      ).items.map(s => s.metadata!.name);
    const before = await secretsOf();
    expect(before.length).toBeGreaterThan(0);

    const mark = sandbox.log.mark();
    const dry = await act(
      'client-without-release',
      'drop-client',
      'remove',
      '?dryRun=true',
    );
    expect(dry.status).toBe(200);
    const planned = dry.body as OrphanActionResponse;
    expect(planned.dryRun).toBe(true);
    expect(planned.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          target: 'keycloak',
          kind: 'client',
          name: 'drop-client',
          action: 'delete',
        }),
        expect.objectContaining({ kind: 'Secret', action: 'delete' }),
      ]),
    );
    expect(sandbox.log.count({ kind: 'write', since: mark })).toBe(
      // The admin client's login is a POST, and writes nothing.
      sandbox.log.count({
        kind: 'write',
        since: mark,
        path: '/protocol/openid-connect/token',
      }),
    );
    expect(await kc.clients.find({ clientId: 'drop-client' })).toHaveLength(1);
    expect(await secretsOf()).toEqual(before);

    const done = await act('client-without-release', 'drop-client', 'remove');
    expect(done.status).toBe(200);
    expect(JSON.stringify(done.body)).not.toContain(secret!);
    expect(JSON.stringify(dry.body)).not.toContain(secret!);
    expect(await kc.clients.find({ clientId: 'drop-client' })).toEqual([]);
    expect(await secretsOf()).toEqual([]);
    expect(await orphans()).toEqual([]);

    // Idempotent: nothing is left to remove, so the second call finds no orphan.
    const again = await act('client-without-release', 'drop-client', 'remove');
    expect(again.status).toBe(404);
  });

  it('uninstalls a release whose entity is gone, as decommission does', async () => {
    const { kc, k8s } = fleet;
    const entity = fleet.entityOf(fleet.catalog, 'drop-rel')!;
    fleet.catalog.splice(fleet.catalog.indexOf(entity), 1);
    expect(await orphans()).toEqual([
      expect.objectContaining({
        kind: 'release-without-entity',
        id: ref('drop-rel'),
      }),
    ]);
    const done = await act('release-without-entity', ref('drop-rel'), 'remove');
    expect(done.status).toBe(200);
    expect((done.body as OrphanActionResponse).changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'HelmRelease', action: 'delete' }),
        expect.objectContaining({ kind: 'client', action: 'delete' }),
      ]),
    );
    const releases = await k8s.list(
      'helm.toolkit.fluxcd.io/v2',
      'HelmRelease',
      FLEET_NAMESPACE,
      undefined,
      undefined,
      undefined,
      undefined,
      'ml-platform.io/instance=drop-rel',
    );
    expect(releases.items).toEqual([]);
    expect(await kc.clients.find({ clientId: 'drop-rel' })).toEqual([]);
    expect(await orphans()).toEqual([]);
    expect(
      (await act('release-without-entity', ref('drop-rel'), 'remove')).status,
    ).toBe(404);
  });

  it('adopts a release that lost its owner: the provider emits its entity again', async () => {
    const { k8s } = fleet;
    // Someone strips the owner: the provider skips the release from then on.
    const release = (await k8s.read({
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'adopt-me', namespace: FLEET_NAMESPACE },
    })) as any;
    delete release.metadata.labels['ml-platform.io/owner'];
    delete release.metadata.annotations['ml-platform.io/owner'];
    await k8s.replace(release);
    expect(fleet.entityOf(await fleet.provide(), 'adopt-me')).toBeUndefined();
    const entity = fleet.entityOf(fleet.catalog, 'adopt-me')!;
    fleet.catalog.splice(fleet.catalog.indexOf(entity), 1);
    expect((await orphans()).map(o => o.id)).toEqual([ref('adopt-me')]);

    // Bad input names the field.
    const missing = await act(
      'release-without-entity',
      ref('adopt-me'),
      'adopt',
    );
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/^owner/);
    const unknown = await act(
      'release-without-entity',
      ref('adopt-me'),
      'adopt',
      '',
      { owner: 'group:default/nobody' },
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('group:default/nobody');
    const notOwner = await act(
      'release-without-entity',
      ref('adopt-me'),
      'adopt',
      '',
      { owner: 'component:default/x' },
    );
    expect(notOwner.status).toBe(400);
    const clientAdopt = await act('client-without-release', 'x', 'adopt', '', {
      owner: 'group:default/board-team',
    });
    expect(clientAdopt.status).toBe(400);

    // Another team takes it over: a Group of the catalog that did not own it before.
    fleet.catalog.push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Group',
      metadata: { name: 'adopters', namespace: 'default' },
      spec: { type: 'team', children: [] },
    });
    const owner = 'group:default/adopters';
    const clientOwner = async () =>
      (await fleet.kc.clients.find({ clientId: 'adopt-me' }))[0].attributes?.[
        'ml-platform.io/owner'
      ];
    const before = await clientOwner();
    expect(before).toBe(`group:default/${OWNER_GROUP.metadata.name}`);

    const dry = await act(
      'release-without-entity',
      ref('adopt-me'),
      'adopt',
      '?dryRun=true',
      { owner },
    );
    expect(dry.status).toBe(200);
    // The release and the Keycloak client (its entity takes its owner from the client).
    expect(dry.body.changes).toEqual([
      expect.objectContaining({
        target: 'kubernetes',
        kind: 'HelmRelease',
        action: 'update',
        detail: `owner ${owner}`,
      }),
      expect.objectContaining({
        target: 'keycloak',
        kind: 'client',
        name: 'adopt-me',
        action: 'update',
        detail: `owner ${owner}`,
      }),
    ]);
    expect(fleet.entityOf(await fleet.provide(), 'adopt-me')).toBeUndefined();
    expect(await clientOwner()).toBe(before);

    const done = await act(
      'release-without-entity',
      ref('adopt-me'),
      'adopt',
      '',
      { owner },
    );
    expect(done.status).toBe(200);
    const adopted = fleet.entityOf(await fleet.provide(), 'adopt-me');
    expect(adopted?.spec?.owner).toBe(owner);
    expect(await clientOwner()).toBe(owner);
    // Nothing of the client's secret in the answer.
    const client = (await fleet.kc.clients.find({ clientId: 'adopt-me' }))[0];
    const { value: secret } = await fleet.kc.clients.getClientSecret({
      id: client.id!,
    });
    expect(secret).toBeTruthy();
    expect(JSON.stringify(done.body)).not.toContain(secret!);
    // The release kept its spec: it is still the deployed chart.
    const after = (await k8s.read(release)) as any;
    expect(after.spec.chart.spec.chart).toBe('board');
    fleet.catalog.push(adopted!);
    expect(await orphans()).toEqual([]);
    expect(
      (
        await act('release-without-entity', ref('adopt-me'), 'adopt', '', {
          owner,
        })
      ).status,
    ).toBe(404);
  });
});
