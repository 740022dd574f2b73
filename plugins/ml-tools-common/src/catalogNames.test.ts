import {
  backingStoreEntityName,
  instanceEntityName,
  instanceEntityRef,
  keycloakGroupEntityRef,
  keycloakUserEntityRef,
  toEntityName,
} from './catalogNames';

describe('catalog names', () => {
  it('names an instance <cluster>-<namespace>-<name>, unique across clusters', () => {
    const a = { cluster: 'east', namespace: 'ml-a', name: 'mlflow' };
    const b = { ...a, cluster: 'west' };
    expect(instanceEntityName(a)).toBe('east-ml-a-mlflow');
    expect(instanceEntityName(a)).not.toBe(instanceEntityName(b));
    expect(instanceEntityRef(a)).toBe('component:default/east-ml-a-mlflow');
  });

  it('names backing stores readably, without repeating the instance name or a hash', () => {
    const ref = {
      cluster: 'sandbox',
      namespace: 'ml-sandbox',
      name: 'mlflow-newcomer',
    };
    const names = [
      backingStoreEntityName(ref, 'database', 'mlflow-newcomer-mlflow-db'),
      backingStoreEntityName(ref, 'database', 'mlflow-newcomer-mlflow-auth-db'),
      backingStoreEntityName(ref, 'bucket', 'mlflow-newcomer-mlflow-artifacts'),
    ];
    expect(names).toEqual([
      'sandbox-ml-sandbox-mlflow-newcomer-database-mlflow-db',
      'sandbox-ml-sandbox-mlflow-newcomer-database-mlflow-auth-db',
      'sandbox-ml-sandbox-mlflow-newcomer-bucket-mlflow-artifacts',
    ]);
    // A store not named after its instance keeps its whole name; kinds never clash.
    expect(backingStoreEntityName(ref, 'database', 'shared')).toBe(
      'sandbox-ml-sandbox-mlflow-newcomer-database-shared',
    );
    expect(backingStoreEntityName(ref, 'bucket', 'mlflow-newcomer')).toBe(
      'sandbox-ml-sandbox-mlflow-newcomer-bucket-mlflow-newcomer',
    );
  });

  it('keeps long names valid, stable and distinct', () => {
    const long = (suffix: string) => `${'x'.repeat(70)}-${suffix}`;
    const one = toEntityName(long('a'));
    expect(one).toHaveLength(63);
    expect(one).toMatch(/^[a-zA-Z0-9]+([-_.][a-zA-Z0-9]+)*$/);
    expect(toEntityName(long('a'))).toBe(one);
    expect(toEntityName(long('b'))).not.toBe(one);
  });

  it('refers to Keycloak groups and users as the Keycloak catalog module names them', () => {
    expect(keycloakGroupEntityRef('/data-scientists/vision')).toBe(
      'group:default/vision',
    );
    expect(keycloakGroupEntityRef('ml platform')).toBe(
      'group:default/ml-platform',
    );
    expect(keycloakGroupEntityRef('group:ml/team')).toBe('group:ml/team');
    expect(keycloakUserEntityRef('alice@example.com')).toBe(
      'user:default/alice-example.com',
    );
  });
});
