import { DEPLOY_KINDS } from '@ml-platform/plugin-ml-tools-node';
import { keycloakClientToEntity } from './clientEntity';
import { instanceToEntities } from './entities';

const keycloak = {
  server: 'kc.example.com',
  baseUrl: 'https://kc.example.com',
  realm: 'ml-platform',
};

const release = (overrides: {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  spec?: Record<string, unknown>;
}) => ({
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: {
    name: 'mlflow-a',
    namespace: 'ml-team',
    labels: {
      'app.kubernetes.io/managed-by': 'ml-platform-backstage',
      'ml-platform.io/instance': 'mlflow-a',
      'ml-platform.io/tool': 'mlflow',
      'ml-platform.io/owner': 'data-scientists',
      ...overrides.labels,
    },
    annotations: overrides.annotations ?? {},
  },
  spec: overrides.spec ?? {},
});

describe('instanceToEntities', () => {
  it('makes a Component the Kubernetes tab and our cards understand', () => {
    const { entities, problems } = instanceToEntities(
      release({
        annotations: {
          'ml-platform.io/title': 'MLflow of team A',
          'ml-platform.io/keycloak-client-id': 'mlflow-a',
          'ml-platform.io/links': JSON.stringify([
            {
              title: 'MLflow',
              url: 'https://mlflow-a.example.com',
              type: 'ui',
            },
            { title: 'not a web link', url: 'ftp://files.example.com/x' },
          ]),
          'ml-platform.io/backing-stores': JSON.stringify([
            {
              kind: 'database',
              name: 'mlflow-a-db',
              description: 'PostgreSQL database "mlflow": the tracking store.',
            },
            { kind: 'bucket', name: 'mlflow-a-artifacts' },
          ]),
          'ml-platform.io/role-mappings': JSON.stringify({
            EDIT: ['/data-scientists/vision'],
          }),
        },
      }),
      DEPLOY_KINDS.HelmRelease,
      { cluster: 'prod', keycloak },
    );
    expect(problems).toEqual([]);
    const [component, database, bucket] = entities;
    expect(component).toEqual({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'prod-ml-team-mlflow-a',
        title: 'MLflow of team A',
        description: 'mlflow instance mlflow-a in prod/ml-team.',
        annotations: {
          'backstage.io/managed-by-location': 'ml-tools:cluster/prod',
          'backstage.io/managed-by-origin-location': 'ml-tools:cluster/prod',
          'ml-platform.io/instance': 'prod/ml-team/mlflow-a',
          'ml-platform.io/tool': 'mlflow',
          'ml-platform.io/release': 'HelmRelease/ml-team/mlflow-a',
          'ml-platform.io/keycloak-client':
            'kc.example.com/ml-platform/mlflow-a',
          'ml-platform.io/keycloak-client-ids': '["mlflow-a"]',
          'ml-platform.io/role-mappings':
            '{"EDIT":["/data-scientists/vision"]}',
          'backstage.io/kubernetes-label-selector':
            'app.kubernetes.io/instance=mlflow-a',
          'backstage.io/kubernetes-namespace': 'ml-team',
          'backstage.io/kubernetes-cluster': 'prod',
        },
        tags: ['mlflow'],
        links: [
          { title: 'MLflow', url: 'https://mlflow-a.example.com', type: 'ui' },
        ],
      },
      spec: {
        type: 'mlflow',
        lifecycle: 'production',
        owner: 'group:default/data-scientists',
        dependsOn: [
          'resource:default/keycloak-ml-platform-mlflow-a',
          'resource:default/prod-ml-team-mlflow-a-database-db',
          'resource:default/prod-ml-team-mlflow-a-bucket-artifacts',
        ],
      },
    });
    expect(database).toMatchObject({
      kind: 'Resource',
      metadata: {
        name: 'prod-ml-team-mlflow-a-database-db',
        description:
          'PostgreSQL database "mlflow": the tracking store. Backs mlflow instance prod/ml-team/mlflow-a.',
      },
      spec: { type: 'database', owner: 'group:default/data-scientists' },
    });
    expect(bucket).toMatchObject({
      kind: 'Resource',
      metadata: {
        name: 'prod-ml-team-mlflow-a-bucket-artifacts',
        description:
          'The bucket mlflow-a-artifacts. Backs mlflow instance prod/ml-team/mlflow-a.',
      },
      spec: { type: 'bucket', owner: 'group:default/data-scientists' },
    });
  });

  it('makes a Component and its database of a tool with no Keycloak client, and nothing of its database release', () => {
    const labels = { 'ml-platform.io/tool': 'keycloak' };
    const server = release({
      labels: { ...labels, 'app.kubernetes.io/component': 'main' },
      annotations: {
        'ml-platform.io/role-mappings': '{}',
        'ml-platform.io/backing-stores': JSON.stringify([
          {
            kind: 'database',
            name: 'mlflow-a-keycloak-db',
            description: 'PostgreSQL database "keycloak".',
          },
        ]),
      },
    });
    const { entities, problems } = instanceToEntities(
      server,
      DEPLOY_KINDS.HelmRelease,
      { cluster: 'prod', keycloak },
    );
    expect(problems).toEqual([]);
    expect(entities.map(e => `${e.kind}:${e.spec?.type}`)).toEqual([
      'Component:keycloak',
      'Resource:database',
    ]);
    const annotations = entities[0].metadata.annotations ?? {};
    expect(annotations['ml-platform.io/keycloak-client']).toBeUndefined();
    expect(
      instanceToEntities(
        release({
          labels: { ...labels, 'app.kubernetes.io/component': 'database' },
        }),
        DEPLOY_KINDS.HelmRelease,
        { cluster: 'prod', keycloak },
      ).entities,
    ).toEqual([]);
  });

  it('prefers the owner annotation ref and the target namespace of the release', () => {
    const { entities } = instanceToEntities(
      release({
        annotations: {
          'ml-platform.io/owner': 'group:ml/platform-team',
          'ml-platform.io/lifecycle': 'experimental',
        },
        spec: { targetNamespace: 'ml-team-workloads' },
      }),
      DEPLOY_KINDS.HelmRelease,
      { cluster: 'prod' },
    );
    expect(entities[0].spec).toMatchObject({
      owner: 'group:ml/platform-team',
      lifecycle: 'experimental',
    });
    expect(entities[0].metadata.annotations).toMatchObject({
      'backstage.io/kubernetes-namespace': 'ml-team-workloads',
      'ml-platform.io/instance': 'prod/ml-team/mlflow-a',
    });
    expect(entities[0].spec).not.toHaveProperty('dependsOn');
  });

  it('names a Keycloak subgroup owner after its last path segment, as the Keycloak module does', () => {
    const { entities } = instanceToEntities(
      release({ labels: { 'ml-platform.io/owner': 'vision team' } }),
      DEPLOY_KINDS.HelmRelease,
      { cluster: 'prod' },
    );
    expect(entities[0].spec?.owner).toBe('group:default/vision-team');
  });

  it('makes nothing of the other releases of an instance, such as its auth proxy', () => {
    const proxy = release({
      labels: { 'app.kubernetes.io/component': 'auth-proxy' },
    });
    proxy.metadata.name = 'mlflow-a-proxy';
    expect(
      instanceToEntities(proxy, DEPLOY_KINDS.HelmRelease, {
        cluster: 'prod',
        keycloak,
      }),
    ).toEqual({ entities: [], problems: [] });
    const main = release({
      labels: { 'app.kubernetes.io/component': 'main' },
    });
    expect(
      instanceToEntities(main, DEPLOY_KINDS.HelmRelease, {
        cluster: 'prod',
        keycloak,
      }).entities[0].metadata.name,
    ).toBe('prod-ml-team-mlflow-a');
  });

  it('selects the workloads of every release of the instance, its auth proxy included', () => {
    const selectorOf = (annotations: Record<string, string>) => {
      const { entities, problems } = instanceToEntities(
        release({ annotations }),
        DEPLOY_KINDS.HelmRelease,
        { cluster: 'prod', keycloak },
      );
      return {
        selector:
          entities[0].metadata.annotations?.[
            'backstage.io/kubernetes-label-selector'
          ],
        problems,
      };
    };
    expect(
      selectorOf({
        'ml-platform.io/releases': '["mlflow-a","mlflow-a-proxy"]',
      }),
    ).toEqual({
      selector: 'app.kubernetes.io/instance in (mlflow-a,mlflow-a-proxy)',
      problems: [],
    });
    // Releases deployed before the annotation existed: the main release alone.
    expect(selectorOf({}).selector).toBe('app.kubernetes.io/instance=mlflow-a');
    expect(
      selectorOf({ 'ml-platform.io/releases': '["mlflow-a","a,b)"]' }),
    ).toEqual({
      selector: 'app.kubernetes.io/instance=mlflow-a',
      problems: [
        'annotation ml-platform.io/releases names releases that are not label values',
      ],
    });
  });

  it('anchors an instance on a cluster-scoped object of its blueprint, its namespace from the instance ref', () => {
    const { entities, problems } = instanceToEntities(
      {
        metadata: {
          name: 'team-vision',
          labels: {
            'ml-platform.io/tool': 'made-up-workspace',
            'ml-platform.io/owner': 'vision',
          },
          annotations: {
            'ml-platform.io/instance-ref': 'prod/team-vision/team-vision',
          },
        },
      },
      { apiVersion: 'example.org/v1', kind: 'Workspace' },
      {
        cluster: 'prod',
        tool: id =>
          id === 'made-up-workspace'
            ? { icon: 'workspace', category: 'workspaces' }
            : undefined,
      },
    );
    expect(problems).toEqual([]);
    expect(entities[0].metadata).toMatchObject({
      name: 'prod-team-vision-team-vision',
      annotations: {
        'ml-platform.io/instance': 'prod/team-vision/team-vision',
        'backstage.io/kubernetes-namespace': 'team-vision',
        'ml-platform.io/release': 'Workspace/team-vision',
        'backstage.io/kubernetes-label-selector':
          'ml-platform.io/instance=team-vision',
        'ml-platform.io/icon': 'workspace',
        'ml-platform.io/category': 'workspaces',
      },
    });
    expect(entities[0].spec?.type).toBe('made-up-workspace');
  });

  it('refers to every Keycloak client of the instance and copies its health', () => {
    const health = {
      workloads: [{ kind: 'Deployment', name: 'mlflow-a' }],
      endpoints: ['/health'],
      conditions: [],
    };
    const { entities, problems } = instanceToEntities(
      release({
        annotations: {
          'ml-platform.io/keycloak-client-id': 'mlflow-a',
          'ml-platform.io/keycloak-client-ids': '["mlflow-a","mlflow-a-cli"]',
          'ml-platform.io/health': JSON.stringify(health),
          // The instance ref wins over where the release object lives.
          'ml-platform.io/instance-ref': 'prod/ml-team/mlflow-a',
        },
      }),
      DEPLOY_KINDS.HelmRelease,
      { cluster: 'prod', keycloak },
    );
    expect(problems).toEqual([]);
    expect(entities[0].metadata.annotations).toMatchObject({
      'ml-platform.io/keycloak-client': 'kc.example.com/ml-platform/mlflow-a',
      'ml-platform.io/keycloak-client-ids': '["mlflow-a","mlflow-a-cli"]',
      'ml-platform.io/health': JSON.stringify(health),
    });
    expect(entities[0].spec?.dependsOn).toEqual([
      'resource:default/keycloak-ml-platform-mlflow-a',
      'resource:default/keycloak-ml-platform-mlflow-a-cli',
    ]);
    // A tool no registered blueprint knows gets no icon: the frontend shows a generic one.
    expect(entities[0].metadata.annotations).not.toHaveProperty(
      'ml-platform.io/icon',
    );
  });

  it('reads the workload namespace of an Argo CD application from its destination', () => {
    const { entities } = instanceToEntities(
      {
        metadata: {
          name: 'airflow-b',
          namespace: 'argocd',
          labels: {
            'ml-platform.io/tool': 'airflow',
            'ml-platform.io/owner': 'ops',
          },
        },
        spec: { destination: { namespace: 'team-ops' } },
      },
      DEPLOY_KINDS.Application,
      { cluster: 'c1' },
    );
    expect(entities[0].metadata.annotations).toMatchObject({
      'backstage.io/kubernetes-namespace': 'team-ops',
      'backstage.io/kubernetes-label-selector':
        'app.kubernetes.io/instance=airflow-b',
    });
  });

  it('skips an object without owner and reports broken annotations without failing', () => {
    expect(
      instanceToEntities(
        release({ labels: { 'ml-platform.io/owner': '' } }),
        DEPLOY_KINDS.HelmRelease,
        { cluster: 'prod' },
      ),
    ).toEqual({ entities: [], problems: ['no ml-platform.io/owner label'] });
    const broken = instanceToEntities(
      release({ annotations: { 'ml-platform.io/links': '{oops' } }),
      DEPLOY_KINDS.HelmRelease,
      { cluster: 'prod' },
    );
    expect(broken.entities).toHaveLength(1);
    expect(broken.problems).toEqual([
      'annotation ml-platform.io/links is not valid JSON',
    ]);
  });
});

describe('keycloakClientToEntity', () => {
  it('makes a keycloak-client Resource with no secret in it', () => {
    const { entities } = keycloakClientToEntity(
      {
        id: 'uuid-1',
        clientId: 'mlflow-a',
        enabled: true,
        secret: 'top-secret',
        attributes: {
          'ml-platform.io/managed-by': 'ml-platform-backstage',
          'ml-platform.io/owner': 'data-scientists',
          'ml-platform.io/instance': 'prod/ml-team/mlflow-a',
          'ml-platform.io/tool': 'mlflow',
        },
      } as any,
      keycloak,
    );
    expect(entities).toEqual([
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Resource',
        metadata: {
          name: 'keycloak-ml-platform-mlflow-a',
          title: 'mlflow-a (Keycloak client)',
          description:
            'Keycloak client mlflow-a in realm ml-platform, for instance prod/ml-team/mlflow-a.',
          annotations: {
            'backstage.io/managed-by-location':
              'ml-tools:keycloak/kc.example.com/ml-platform',
            'backstage.io/managed-by-origin-location':
              'ml-tools:keycloak/kc.example.com/ml-platform',
            'ml-platform.io/keycloak-client':
              'kc.example.com/ml-platform/mlflow-a',
            'ml-platform.io/tool': 'mlflow',
          },
          tags: ['keycloak-client'],
          links: [
            {
              url: 'https://kc.example.com/admin/master/console/#/ml-platform/clients/uuid-1/settings',
              title: 'Keycloak client console',
              type: 'keycloak-console',
              icon: 'dashboard',
            },
          ],
        },
        spec: {
          type: 'keycloak-client',
          owner: 'group:default/data-scientists',
        },
      },
    ]);
    expect(JSON.stringify(entities)).not.toContain('top-secret');
  });
});
