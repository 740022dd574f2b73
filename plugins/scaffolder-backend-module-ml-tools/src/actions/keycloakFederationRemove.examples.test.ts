import { exampleSteps } from '../__testUtils__/harness';
import { startFederationHarness } from '../__testUtils__/federation';
import { keycloakFederationRemoveExamples } from './keycloakFederationRemove.examples';

jest.setTimeout(60_000);

describe('keycloak:federation:remove examples', () => {
  it.each(exampleSteps(keycloakFederationRemoveExamples))(
    '$description',
    async step => {
      const h = await startFederationHarness();
      try {
        const made = await h.run(
          'keycloak:federation:ensure',
          h.runbookInput({ name: step.input.name as string }),
          { secrets: h.secrets },
        );
        expect(made.error).toBeUndefined();
        const result = await h.run(step.action, step.input);
        expect(result.error).toBeUndefined();
        expect(result.outputs.removed).toBe(true);
        expect(
          await h.keycloak.listComponents(h.config.keycloak.realm, {
            name: step.input.name as string,
          }),
        ).toEqual([]);
      } finally {
        await h.stop();
      }
    },
  );
});
