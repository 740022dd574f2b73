import { ML_TOOLS_API_ROUTES, mlToolsApiPaths } from './routes';

describe('mlToolsApiPaths', () => {
  const ref = { kind: 'Component', namespace: 'ml', name: 'mlflow-a' };

  it('fills the route patterns the backend mounts', () => {
    const fill = (pattern: string) =>
      pattern
        .replace(':kind', 'component')
        .replace(':namespace', 'ml')
        .replace(':name', 'mlflow-a');
    expect(mlToolsApiPaths.instanceHealth(ref)).toBe(
      fill(ML_TOOLS_API_ROUTES.instanceHealth),
    );
    expect(mlToolsApiPaths.instanceAccess(ref)).toBe(
      fill(ML_TOOLS_API_ROUTES.instanceAccess),
    );
    expect(mlToolsApiPaths.instanceLinks(ref)).toBe(
      fill(ML_TOOLS_API_ROUTES.instanceLinks),
    );
    expect(mlToolsApiPaths.keycloakClient(ref)).toBe(
      fill(ML_TOOLS_API_ROUTES.keycloakClient),
    );
  });

  it('keeps a hostile name inside its path segment', () => {
    expect(
      mlToolsApiPaths.instanceHealth({ ...ref, name: '../../admin' }),
    ).toBe('/instances/component/ml/..%2F..%2Fadmin/health');
  });

  it('adds only the filters that are set', () => {
    expect(mlToolsApiPaths.instances()).toBe('/instances');
    expect(
      mlToolsApiPaths.instances({ tool: 'mlflow', health: 'degraded' }),
    ).toBe('/instances?tool=mlflow&health=degraded');
    expect(mlToolsApiPaths.instances({ owner: 'group:default/ds' })).toBe(
      '/instances?owner=group%3Adefault%2Fds',
    );
  });
});
