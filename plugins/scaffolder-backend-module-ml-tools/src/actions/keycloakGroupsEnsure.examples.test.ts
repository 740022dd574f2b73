import {
  exampleSteps,
  givenNamespaces,
  startHarness,
} from '../__testUtils__/harness';
import { keycloakGroupsEnsureExamples } from './keycloakGroupsEnsure.examples';

jest.setTimeout(60_000);

describe('keycloak:groups:ensure examples', () => {
  it.each(exampleSteps(keycloakGroupsEnsureExamples))(
    '$description',
    async step => {
      const h = await startHarness();
      try {
        const { namespace, name, tool, owner, clientId } = step.input as Record<
          string,
          string
        >;
        givenNamespaces(h, namespace);
        const client = await h.run('keycloak:client:ensure', {
          namespace,
          name,
          tool,
          owner,
          ...(clientId ? { clientId } : {}),
          rootUrl: `https://${name}.sandbox.local`,
          redirectUris: [`https://${name}.sandbox.local/cb`],
        });
        expect(client.error).toBeUndefined();
        const result = await h.run(step.action, step.input);
        expect(result.error).toBeUndefined();
        for (const path of result.outputs.groups as string[]) {
          expect(await h.keycloak.findGroupByPath(path)).toBeDefined();
        }
      } finally {
        await h.stop();
      }
    },
  );
});
