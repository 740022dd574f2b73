import { mockServices } from '@backstage/backend-test-utils';
import { NotFoundError } from '@backstage/errors';
import type {
  EntityProviderConnection,
  EntityProviderMutation,
} from '@backstage/plugin-catalog-node';
import { ML_TOOLS_CATALOG_REFRESH_TOPIC } from '@ml-platform/plugin-ml-tools-common';
import {
  builtInBlueprints,
  DefaultBlueprintRegistry,
  mlflowBlueprint,
} from '@ml-platform/plugin-ml-tools-node';
import { MlToolsEntityProvider } from './MlToolsEntityProvider';
import type {
  MlToolsInstanceKind,
  MlToolsKeycloakClient,
  MlToolsKubernetesObject,
} from './types';

/** A made-up tool whose instances stand on a cluster-scoped custom resource. */
const profileTool = {
  ...mlflowBlueprint,
  id: 'made-up-profile',
  icon: 'workspace',
  category: 'workspaces',
  objectKinds: [{ apiVersion: 'kubeflow.org/v1', kind: 'Profile' }],
};

const config = mockServices.rootConfig({
  data: {
    mlTools: {
      clusters: [{ name: 'east' }, { name: 'west' }],
      keycloak: { baseUrl: 'http://kc.local:8180', realm: 'ml' },
      catalog: { sources: { kinds: ['HelmRelease', 'Profile'] } },
    },
  },
});

function helmRelease(
  name: string,
  namespace = 'ml-a',
): MlToolsKubernetesObject {
  return {
    metadata: {
      name,
      namespace,
      labels: {
        'ml-platform.io/instance': name,
        'ml-platform.io/tool': 'mlflow',
        'ml-platform.io/owner': 'team-a',
      },
    },
  };
}

/** A cluster whose contents and health a test changes between cycles. */
class FakeCluster {
  objects: Partial<Record<string, MlToolsKubernetesObject[]>> = {
    HelmRelease: [],
    Profile: [],
  };
  failure?: Error;
  /** Kinds asked for, by name, in order. */
  asked: string[] = [];
  async listInstances(request: { kind: MlToolsInstanceKind }) {
    this.asked.push(request.kind.kind);
    if (this.failure) throw this.failure;
    const items = this.objects[request.kind.kind];
    if (!items) throw new NotFoundError(`no ${request.kind.kind} here`);
    return items;
  }
}

class FakeKeycloak {
  clients: MlToolsKeycloakClient[] = [];
  failure?: Error;
  async listClients() {
    if (this.failure) throw this.failure;
    return this.clients;
  }
}

function setup() {
  const clusters = { east: new FakeCluster(), west: new FakeCluster() };
  const keycloak = new FakeKeycloak();
  const logger = mockServices.logger.mock();
  const events = mockServices.events.mock();
  const blueprints = DefaultBlueprintRegistry.create([
    ...builtInBlueprints,
    profileTool,
  ]);
  const providers = MlToolsEntityProvider.fromConfig(config, {
    logger,
    events,
    blueprints,
    readers: {
      cluster: name => clusters[name as 'east' | 'west'],
      keycloak: () => keycloak,
    },
  });
  const mutations = new Map<string, EntityProviderMutation[]>();
  const connect = async () => {
    for (const provider of providers) {
      const list: EntityProviderMutation[] = [];
      mutations.set(provider.getProviderName(), list);
      const connection: EntityProviderConnection = {
        applyMutation: async m => {
          list.push(m);
        },
        refresh: async () => {},
      };
      await provider.connect(connection);
    }
  };
  const names = (source: string, index = -1) => {
    const list = mutations.get(source)!;
    const m = list.at(index);
    return m?.type === 'full'
      ? m.entities.map(e => e.entity.metadata.name)
      : undefined;
  };
  return {
    blueprints,
    clusters,
    keycloak,
    logger,
    events,
    providers,
    mutations,
    connect,
    names,
  };
}

describe('MlToolsEntityProvider', () => {
  it('reads the release kinds and the object kinds of blueprints registered after it was built', async () => {
    const cluster = new FakeCluster();
    const blueprints = DefaultBlueprintRegistry.create([...builtInBlueprints]);
    const [provider] = MlToolsEntityProvider.fromConfig(
      mockServices.rootConfig({
        data: { mlTools: { clusters: [{ name: 'east' }] } },
      }),
      {
        logger: mockServices.logger.mock(),
        blueprints,
        readers: {
          cluster: () => cluster,
          keycloak: () => new FakeKeycloak(),
        },
      },
    );
    const emitted: EntityProviderMutation[] = [];
    await provider.connect({
      applyMutation: async m => {
        emitted.push(m);
      },
      refresh: async () => {},
    });
    // Added the way the ml-tools plugin forwards its extension point, after construction.
    blueprints.add(profileTool);
    cluster.objects.Application = [];
    cluster.objects.Profile = [
      {
        metadata: {
          name: 'team-vision',
          labels: {
            'ml-platform.io/instance': 'team-vision',
            'ml-platform.io/tool': 'made-up-profile',
            'ml-platform.io/owner': 'vision',
          },
          annotations: {
            'ml-platform.io/instance-ref': 'east/team-vision/team-vision',
          },
        },
      },
    ];
    expect(await provider.refresh()).toMatchObject({ ok: true, entities: 1 });
    expect(cluster.asked).toEqual(['HelmRelease', 'Application', 'Profile']);
    const [full] = emitted;
    expect(full.type === 'full' && full.entities[0].entity).toMatchObject({
      kind: 'Component',
      metadata: {
        name: 'east-team-vision-team-vision',
        annotations: {
          'ml-platform.io/icon': 'workspace',
          'ml-platform.io/category': 'workspaces',
          'backstage.io/kubernetes-label-selector':
            'ml-platform.io/instance=team-vision',
        },
      },
    });
  });

  it('has one provider per cluster and one for the Keycloak realm', () => {
    const { providers } = setup();
    expect(providers.map(p => p.getProviderName())).toEqual([
      'ml-tools:cluster:east',
      'ml-tools:cluster:west',
      'ml-tools:keycloak:ml',
    ]);
  });

  it('replaces a source’s entities with a full mutation on every cycle', async () => {
    const s = setup();
    await s.connect();
    s.clusters.east.objects.HelmRelease = [helmRelease('mlflow-a')];
    s.keycloak.clients = [
      {
        id: '1',
        clientId: 'mlflow-a',
        attributes: {
          'ml-platform.io/managed-by': 'ml-platform-backstage',
          'ml-platform.io/owner': 'team-a',
        },
      },
      // Someone else's client is never adopted.
      {
        id: '2',
        clientId: 'theirs',
        attributes: { 'ml-platform.io/owner': 'x' },
      },
    ];
    const results = await Promise.all(s.providers.map(p => p.refresh()));
    expect(results.map(r => [r.source, r.ok, r.entities])).toEqual([
      ['ml-tools:cluster:east', true, 1],
      ['ml-tools:cluster:west', true, 0],
      ['ml-tools:keycloak:ml', true, 1],
    ]);
    expect(s.names('ml-tools:cluster:east')).toEqual(['east-ml-a-mlflow-a']);
    expect(s.names('ml-tools:keycloak:ml')).toEqual(['keycloak-ml-mlflow-a']);
    const full = s.mutations.get('ml-tools:cluster:east')![0];
    expect(full).toMatchObject({
      type: 'full',
      entities: [{ locationKey: 'ml-tools:ml-tools:cluster:east' }],
    });

    // A deleted instance leaves with the next cycle; an empty source is a real answer.
    s.clusters.east.objects.HelmRelease = [];
    await s.providers[0].refresh();
    expect(s.names('ml-tools:cluster:east')).toEqual([]);
  });

  it('keeps a failing cluster’s entities as they were and logs why, while others move on', async () => {
    const s = setup();
    await s.connect();
    s.clusters.east.objects.HelmRelease = [helmRelease('a')];
    s.clusters.west.objects.HelmRelease = [helmRelease('b')];
    await Promise.all(s.providers.map(p => p.refresh()));

    s.clusters.east.failure = new Error('connect ECONNREFUSED');
    s.clusters.west.objects.HelmRelease!.push(helmRelease('c'));
    const [east, west] = await Promise.all(s.providers.map(p => p.refresh()));

    expect(east).toMatchObject({ ok: false, error: 'connect ECONNREFUSED' });
    expect(s.mutations.get('ml-tools:cluster:east')).toHaveLength(1);
    expect(s.names('ml-tools:cluster:east')).toEqual(['east-ml-a-a']);
    expect(west.ok).toBe(true);
    expect(s.names('ml-tools:cluster:west')).toEqual([
      'west-ml-a-b',
      'west-ml-a-c',
    ]);
    expect(s.logger.warn).toHaveBeenCalledWith(
      expect.stringContaining(
        'Reading ml-tools:cluster:east failed; its entities are kept as they were',
      ),
    );
  });

  it('says once, not on every cycle, that a configured kind is unknown', async () => {
    const logger = mockServices.logger.mock();
    const [provider] = MlToolsEntityProvider.fromConfig(
      mockServices.rootConfig({
        data: {
          mlTools: {
            clusters: [{ name: 'east' }],
            catalog: { sources: { kinds: ['HelmRelease', 'Notebook'] } },
          },
        },
      }),
      {
        logger,
        blueprints: DefaultBlueprintRegistry.create([...builtInBlueprints]),
        readers: {
          cluster: () => new FakeCluster(),
          keycloak: () => new FakeKeycloak(),
        },
      },
    );
    await provider.connect({
      applyMutation: async () => {},
      refresh: async () => {},
    });
    for (let cycle = 0; cycle < 3; cycle++) {
      expect((await provider.refresh()).ok).toBe(true);
    }
    const unknownKindWarnings = logger.warn.mock.calls.filter(([message]) =>
      String(message).includes('which no deploy driver or blueprint uses'),
    );
    expect(unknownKindWarnings).toEqual([
      [
        'mlTools.catalog.sources.kinds names Notebook, which no deploy driver or blueprint uses',
      ],
    ]);
  });

  it('keeps Keycloak clients when Keycloak fails', async () => {
    const s = setup();
    await s.connect();
    s.keycloak.failure = new Error('503 Service Unavailable');
    const result = await s.providers[2].refresh();
    expect(result.ok).toBe(false);
    expect(s.mutations.get('ml-tools:keycloak:ml')).toEqual([]);
  });

  it('reads a cluster without the Kubeflow CRD, but fails one that serves none of the kinds', async () => {
    const s = setup();
    await s.connect();
    delete s.clusters.east.objects.Profile;
    s.clusters.east.objects.HelmRelease = [helmRelease('a')];
    expect((await s.providers[0].refresh()).ok).toBe(true);
    expect(s.names('ml-tools:cluster:east')).toEqual(['east-ml-a-a']);

    s.clusters.east.objects = {};
    const result = await s.providers[0].refresh();
    expect(result).toMatchObject({ ok: false });
    expect(result.error).toMatch(/serves none of HelmRelease, Profile/);
    expect(s.mutations.get('ml-tools:cluster:east')).toHaveLength(1);
  });

  it('runs a cycle when the refresh topic is published, for the cluster named', async () => {
    const s = setup();
    await s.connect();
    expect(s.events.subscribe).toHaveBeenCalledWith(
      expect.objectContaining({ topics: [ML_TOOLS_CATALOG_REFRESH_TOPIC] }),
    );
    const { onEvent } = s.events.subscribe.mock.calls[0][0];
    s.clusters.west.objects.HelmRelease = [helmRelease('fresh')];
    await onEvent({
      topic: ML_TOOLS_CATALOG_REFRESH_TOPIC,
      eventPayload: { cluster: 'west', instanceRef: 'west/ml-a/fresh' },
    });
    expect(s.names('ml-tools:cluster:west')).toEqual(['west-ml-a-fresh']);
    expect(s.mutations.get('ml-tools:cluster:east')).toEqual([]);
    expect(s.mutations.get('ml-tools:keycloak:ml')).toHaveLength(1);
  });

  it('coalesces refresh calls made during a cycle into one more cycle', async () => {
    const s = setup();
    await s.connect();
    const provider = s.providers[0];
    const first = provider.refresh();
    const second = provider.refresh();
    const third = provider.refresh();
    await Promise.all([first, second, third]);
    expect(second).toBe(third);
    expect(s.mutations.get('ml-tools:cluster:east')).toHaveLength(2);
  });

  it('fails fast on a source that is not configured, naming the key', () => {
    expect(() =>
      MlToolsEntityProvider.fromConfig(
        mockServices.rootConfig({
          data: {
            mlTools: {
              clusters: [{ name: 'east' }],
              catalog: { sources: { clusters: ['north'] } },
            },
          },
        }),
        {
          logger: mockServices.logger.mock(),
          readers: { cluster: jest.fn(), keycloak: jest.fn() },
        },
      ),
    ).toThrow(
      'mlTools.catalog.sources.clusters names "north", which is not in mlTools.clusters (east)',
    );
  });
});
