import { mockServices } from '@backstage/backend-test-utils';
import type {
  K8sObject,
  KcClient,
  KeycloakGateway,
  KubernetesGateway,
} from '@ml-platform/plugin-ml-tools-node';
import {
  KEYCLOAK_ATTRIBUTES,
  ML_PLATFORM_ANNOTATIONS,
  ML_PLATFORM_LABELS,
  ML_PLATFORM_MANAGER,
  type FleetOrphan,
} from '@ml-platform/plugin-ml-tools-common';
import { FleetOrphanActions } from './FleetOrphanActions';

const INSTANCE = 'dev/ml/tracking';
const OLD = { ref: 'group:default/gone', name: 'gone' };
const NEW = { ref: 'group:default/adopters', name: 'adopters' };

function object(
  kind: string,
  name: string,
  labels: Record<string, string>,
): K8sObject {
  return {
    apiVersion:
      kind === 'HelmRelease' ? 'helm.toolkit.fluxcd.io/v2' : 'example.io/v1',
    kind,
    metadata: {
      name,
      namespace: 'ml',
      labels: { [ML_PLATFORM_LABELS.instance]: 'tracking', ...labels },
      annotations: {},
    },
    spec: { chart: name },
  };
}

/** The instance: its main release (owner stripped), a second release, one not ours. */
function cluster() {
  const objects: K8sObject[] = [
    object('HelmRelease', 'tracking', {
      [ML_PLATFORM_LABELS.component]: 'main',
      [ML_PLATFORM_LABELS.managedBy]: ML_PLATFORM_MANAGER,
    }),
    object('HelmRelease', 'tracking-postgresql', {
      [ML_PLATFORM_LABELS.component]: 'postgresql',
      [ML_PLATFORM_LABELS.managedBy]: ML_PLATFORM_MANAGER,
      [ML_PLATFORM_LABELS.owner]: OLD.name,
    }),
    object('HelmRelease', 'tracking-extra', {
      [ML_PLATFORM_LABELS.component]: 'extra',
    }),
  ];
  const applied: string[] = [];
  const gateway = {
    list: async (_cluster: string, query: { kind: string }) =>
      objects.filter(o => o.kind === query.kind),
    apply: async (_cluster: string, o: K8sObject) => {
      applied.push(`${o.kind} ${o.metadata.name}`);
      const i = objects.findIndex(x => x.metadata.name === o.metadata.name);
      objects[i] = o;
      return o;
    },
  } as unknown as KubernetesGateway;
  return { objects, applied, gateway };
}

function realm() {
  const clients: KcClient[] = [
    {
      id: 'uuid-1',
      clientId: 'tracking',
      secret: 'do-not-show',
      protocolMappers: [
        {
          name: 'groups',
          protocol: 'openid-connect',
          protocolMapper: 'oidc-group-membership-mapper',
          config: {},
        },
      ],
      attributes: {
        [KEYCLOAK_ATTRIBUTES.managedBy]: ML_PLATFORM_MANAGER,
        [KEYCLOAK_ATTRIBUTES.instance]: INSTANCE,
        [KEYCLOAK_ATTRIBUTES.owner]: OLD.ref,
      },
    } as KcClient,
  ];
  const updated: KcClient[] = [];
  const gateway = {
    listClientsByAttribute: async () => clients,
    updateClient: async (id: string, client: KcClient) => {
      updated.push(client);
      clients[clients.findIndex(c => c.id === id)] = { ...client, id };
    },
  } as unknown as KeycloakGateway;
  return { clients, updated, gateway };
}

const orphan: FleetOrphan = {
  kind: 'release-without-entity',
  id: INSTANCE,
  instanceRef: INSTANCE,
} as FleetOrphan;

function actions(k8s: KubernetesGateway, kc: KeycloakGateway) {
  return new FleetOrphanActions({
    kubernetes: k8s,
    keycloak: kc,
    objectKinds: () => [],
    remover: () => undefined,
    logger: mockServices.logger.mock(),
  });
}

describe('FleetOrphanActions.adopt', () => {
  it('re-owns the releases the suite manages and the clients, the main release last', async () => {
    const k8s = cluster();
    const kc = realm();
    const result = await actions(k8s.gateway, kc.gateway).adopt(orphan, {
      dryRun: false,
      owner: NEW,
    });
    expect(result.changes.map(c => `${c.action} ${c.kind} ${c.name}`)).toEqual([
      'update HelmRelease ml/tracking-postgresql',
      'update HelmRelease ml/tracking',
      'update client tracking',
    ]);
    // The release not labelled as ours is left alone; the main one written last.
    expect(k8s.applied).toEqual([
      'HelmRelease tracking-postgresql',
      'HelmRelease tracking',
    ]);
    for (const name of ['tracking', 'tracking-postgresql']) {
      const o = k8s.objects.find(x => x.metadata.name === name)!;
      expect(o.metadata.labels?.[ML_PLATFORM_LABELS.owner]).toBe(NEW.name);
      expect(o.metadata.annotations?.[ML_PLATFORM_ANNOTATIONS.owner]).toBe(
        NEW.ref,
      );
      // The whole object is applied: the spec stays.
      expect(o.spec).toEqual({ chart: name });
    }
    // The client keeps its other attributes; its mappers are not sent back.
    expect(kc.updated).toHaveLength(1);
    expect(kc.updated[0].attributes).toEqual({
      [KEYCLOAK_ATTRIBUTES.managedBy]: ML_PLATFORM_MANAGER,
      [KEYCLOAK_ATTRIBUTES.instance]: INSTANCE,
      [KEYCLOAK_ATTRIBUTES.owner]: NEW.ref,
    });
    expect(kc.updated[0].protocolMappers).toBeUndefined();
    expect(JSON.stringify(result)).not.toContain('do-not-show');
  });

  it('writes nothing in a dry run, and nothing the second time', async () => {
    const k8s = cluster();
    const kc = realm();
    const subject = actions(k8s.gateway, kc.gateway);
    const dry = await subject.adopt(orphan, { dryRun: true, owner: NEW });
    expect(dry.changes.every(c => c.action === 'update')).toBe(true);
    expect(k8s.applied).toEqual([]);
    expect(kc.updated).toEqual([]);

    await subject.adopt(orphan, { dryRun: false, owner: NEW });
    k8s.applied.length = 0;
    kc.updated.length = 0;
    const again = await subject.adopt(orphan, { dryRun: false, owner: NEW });
    expect(again.changes.map(c => c.action)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(k8s.applied).toEqual([]);
    expect(kc.updated).toEqual([]);
  });

  it('answers 404 when the main release is gone', async () => {
    const k8s = cluster();
    k8s.objects.splice(0, 1);
    await expect(
      actions(k8s.gateway, realm().gateway).adopt(orphan, {
        dryRun: false,
        owner: NEW,
      }),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});
