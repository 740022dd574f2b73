import { parseInstanceRef, stringifyInstanceRef } from './tools';
import { isKeycloakClientEntity, isMlToolInstanceEntity } from './entities';

describe('instance refs', () => {
  it('round-trips cluster/namespace/name', () => {
    const ref = { cluster: 'prod', namespace: 'ml', name: 'mlflow-a' };
    expect(parseInstanceRef(stringifyInstanceRef(ref))).toEqual(ref);
  });

  it.each(['a/b', 'a//c', 'a/b/c/d', ''])('rejects %j', value => {
    expect(() => parseInstanceRef(value)).toThrow(/expected <cluster>/);
  });
});

describe('entity predicates', () => {
  const entity = (kind: string, annotations: Record<string, string>) => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: { name: 'x', annotations },
  });

  it('recognises instances by annotation, not by kind', () => {
    expect(
      isMlToolInstanceEntity(
        entity('Component', { 'ml-platform.io/instance': 'c/n/x' }),
      ),
    ).toBe(true);
    expect(isMlToolInstanceEntity(entity('Component', {}))).toBe(false);
  });

  it('recognises Keycloak client resources only on Resource entities', () => {
    const annotations = { 'ml-platform.io/keycloak-client': 'kc/realm/x' };
    expect(isKeycloakClientEntity(entity('Resource', annotations))).toBe(true);
    expect(isKeycloakClientEntity(entity('Component', annotations))).toBe(
      false,
    );
  });
});
