import {
  isKeycloakClientAvailable,
  isMlToolAccessAvailable,
  isMlToolHealthAvailable,
  isMlToolLinksAvailable,
} from './predicates';
import {
  instanceEntity,
  keycloakClientEntity,
  plainComponent,
} from './__testUtils__/fakeBackend';

const instancePredicates = [
  isMlToolHealthAvailable,
  isMlToolAccessAvailable,
  isMlToolLinksAvailable,
];

describe('card predicates', () => {
  it('show the instance cards on instances only, whatever their kind', () => {
    for (const predicate of instancePredicates) {
      expect(predicate(instanceEntity)).toBe(true);
      expect(predicate({ ...instanceEntity, kind: 'Resource' })).toBe(true);
      // Same kind and type as an instance, but without our annotation.
      expect(predicate(plainComponent)).toBe(false);
      expect(predicate(keycloakClientEntity)).toBe(false);
    }
  });

  it('show the Keycloak client card on Keycloak client Resources only', () => {
    expect(isKeycloakClientAvailable(keycloakClientEntity)).toBe(true);
    expect(isKeycloakClientAvailable(instanceEntity)).toBe(false);
    expect(isKeycloakClientAvailable(plainComponent)).toBe(false);
    // The annotation alone is not enough on a Component (an instance carries it too).
    expect(
      isKeycloakClientAvailable({
        ...instanceEntity,
        metadata: {
          ...instanceEntity.metadata,
          annotations: {
            ...instanceEntity.metadata.annotations,
            'ml-platform.io/keycloak-client': 'kc/ml-platform/mlflow-a',
          },
        },
      }),
    ).toBe(false);
  });
});
