import {
  exampleSteps,
  givenNamespaces,
  startHarness,
} from '../__testUtils__/harness';
import { keycloakClientEnsureExamples } from './keycloakClientEnsure.examples';

jest.setTimeout(60_000);

describe('keycloak:client:ensure examples', () => {
  it.each(exampleSteps(keycloakClientEnsureExamples))(
    '$description',
    async step => {
      const h = await startHarness();
      try {
        givenNamespaces(h, step.input.namespace as string);
        const result = await h.run(step.action, step.input);
        expect(result.error).toBeUndefined();
        const client = await h.keycloak.findClientByClientId(
          result.outputs.clientId as string,
        );
        expect(client?.id).toBe(result.outputs.clientUuid);
      } finally {
        await h.stop();
      }
    },
  );
});
