import type { Entity } from '@backstage/catalog-model';
import { MlToolsClient } from '../api';

/** What the fake backend answers for one path. */
export interface FakeAnswer {
  status?: number;
  body: unknown;
}

/** The standard Backstage error body, as the backend's error handler sends it. */
export function errorBody(name: string, message: string, statusCode: number) {
  return {
    status: statusCode,
    body: {
      error: { name, message },
      request: { method: 'GET', url: '/' },
      response: { statusCode },
    },
  };
}

/**
 * A real MlToolsClient over a fake fetch, so tests go through the same URL building and
 * error mapping as the app. Unknown paths answer 404 like the backend would; a pending
 * answer (`'pending'`) never resolves, to show loading states.
 */
export function createFakeClient(
  answers: Record<string, FakeAnswer | 'pending'>,
) {
  const requested: string[] = [];
  const client = new MlToolsClient({
    discoveryApi: {
      getBaseUrl: async pluginId => `http://backend.test/api/${pluginId}`,
    },
    fetchApi: {
      fetch: async (input: RequestInfo | URL) => {
        const url = new URL(String(input));
        const path = `${url.pathname.replace('/api/ml-tools', '')}${
          url.search
        }`;
        requested.push(path);
        const answer =
          answers[path] ?? errorBody('NotFoundError', `No route ${path}`, 404);
        if (answer === 'pending') {
          return new Promise<Response>(() => {});
        }
        const status = answer.status ?? 200;
        const text = JSON.stringify(answer.body);
        // A minimal Response: jsdom has no fetch, and ResponseError only needs these.
        return {
          ok: status >= 200 && status < 300,
          status,
          statusText: String(status),
          url: String(input),
          headers: {
            get: (name: string) =>
              name.toLowerCase() === 'content-type' ? 'application/json' : null,
          },
          text: async () => text,
          json: async () => JSON.parse(text),
        } as unknown as Response;
      },
    },
  });
  return { client, requested };
}

/** A tool instance Component as the entity provider emits it. */
export const instanceEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'mlflow-a',
    namespace: 'ml',
    annotations: {
      'ml-platform.io/instance': 'sandbox/ml/mlflow-a',
      'ml-platform.io/tool': 'mlflow',
    },
  },
  spec: { type: 'service', lifecycle: 'production', owner: 'group:default/ds' },
};

/** A Keycloak client Resource as the entity provider emits it. */
export const keycloakClientEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name: 'mlflow-a-client',
    namespace: 'ml',
    annotations: {
      'ml-platform.io/keycloak-client': 'kc/ml-platform/mlflow-a',
    },
  },
  spec: { type: 'keycloak-client', owner: 'group:default/ds' },
};

/** An ordinary Component that has nothing to do with the suite. */
export const plainComponent: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'website', namespace: 'default' },
  spec: {
    type: 'website',
    lifecycle: 'production',
    owner: 'group:default/web',
  },
};

/** The paths the cards call for {@link instanceEntity}. */
export const INSTANCE_PATHS = {
  health: '/instances/component/ml/mlflow-a/health',
  access: '/instances/component/ml/mlflow-a/access',
  links: '/instances/component/ml/mlflow-a/links',
  keycloakClient: '/keycloak-clients/resource/ml/mlflow-a-client',
};
