import { mockServices } from '@backstage/backend-test-utils';
import { readMlToolsBackendConfig } from './config';

describe('readMlToolsBackendConfig', () => {
  it('has defaults and reads the Keycloak server the annotations name', () => {
    const config = readMlToolsBackendConfig(
      mockServices.rootConfig({
        data: {
          mlTools: {
            keycloak: { baseUrl: 'http://kc.local:8180/', realm: 'ml' },
          },
        },
      }),
    );
    expect(config).toEqual({
      cacheTtlMs: 15_000,
      clusterTimeoutMs: 3_000,
      keycloakTimeoutMs: 3_000,
      serverConcurrency: 16,
      keycloak: {
        server: 'kc.local:8180',
        realm: 'ml',
        consoleBaseUrl: 'http://kc.local:8180',
      },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('fails fast naming the key', () => {
    expect(() =>
      readMlToolsBackendConfig(
        mockServices.rootConfig({
          data: { mlTools: { backend: { clusterTimeout: 'soon' } } },
        }),
      ),
    ).toThrow(/mlTools\.backend\.clusterTimeout/);
  });
});
