import type { KubernetesSimulator } from './simulator';
import type { KubeObject } from './types';

/**
 * The Backstage entity the demo workload belongs to (`backstage.io/kubernetes-id`).
 *
 * @public
 */
export const DEMO_KUBERNETES_ID = 'ml-platform-backstage';

/**
 * The namespace the seed creates for ML tools.
 *
 * @public
 */
export const SEED_NAMESPACE = 'ml-tools';

function kubeflowRole(name: string, verbs: string[]): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels: { 'app.kubernetes.io/part-of': 'kubeflow' } },
    rules: [
      {
        apiGroups: ['', 'apps', 'batch', 'kubeflow.org'],
        resources: ['*'],
        verbs,
      },
    ],
  };
}

/**
 * What a fresh local cluster starts with: the `ml-tools` namespace, a demo workload the
 * catalog's own component is linked to, and the cluster roles a Kubeflow installation
 * provides (profiles bind to them).
 */
export function seedKubernetes(sim: KubernetesSimulator): void {
  const manager = 'sandbox-seed';
  const labels = {
    'app.kubernetes.io/name': 'ml-platform-backstage',
    'app.kubernetes.io/instance': 'ml-platform-backstage',
    'backstage.io/kubernetes-id': DEMO_KUBERNETES_ID,
  };
  const objects: KubeObject[] = [
    kubeflowRole('kubeflow-admin', ['*']),
    kubeflowRole('kubeflow-edit', [
      'get',
      'list',
      'watch',
      'create',
      'update',
      'patch',
      'delete',
    ]),
    kubeflowRole('kubeflow-view', ['get', 'list', 'watch']),
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: SEED_NAMESPACE,
        labels: { 'app.kubernetes.io/part-of': 'ml-platform' },
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'ml-platform-backstage',
        namespace: SEED_NAMESPACE,
        labels,
      },
      spec: {
        replicas: 1,
        selector: {
          matchLabels: { 'app.kubernetes.io/name': 'ml-platform-backstage' },
        },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: 'backstage',
                image: 'ghcr.io/ml-platform/backstage:latest',
                ports: [{ name: 'http', containerPort: 7007 }],
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'ml-platform-backstage',
        namespace: SEED_NAMESPACE,
        labels,
      },
      spec: {
        selector: { 'app.kubernetes.io/name': 'ml-platform-backstage' },
        ports: [{ name: 'http', port: 80, targetPort: 'http' }],
      },
    },
  ];
  for (const obj of objects) sim.apply(obj, manager);
}
