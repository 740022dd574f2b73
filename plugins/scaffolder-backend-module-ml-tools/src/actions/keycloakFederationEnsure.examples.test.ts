import type { JsonObject } from '@backstage/types';
import { RUNBOOK_DIRECTORY } from '@ml-platform/sandbox';
import { exampleSteps } from '../__testUtils__/harness';
import { startFederationHarness } from '../__testUtils__/federation';
import { keycloakFederationEnsureExamples } from './keycloakFederationEnsure.examples';

jest.setTimeout(60_000);

describe('keycloak:federation:ensure examples', () => {
  it.each(exampleSteps(keycloakFederationEnsureExamples))(
    '$description',
    async step => {
      // The examples' directories are pointed at the runbook's slapd; every other
      // setting (vendor, realm, scope, groups) is the example's own.
      const h = await startFederationHarness({ masterAdmin: true });
      try {
        const groups = step.input.groups as JsonObject | undefined;
        const input: JsonObject = {
          ...step.input,
          connectionUrl: h.slapd.url,
          bindDn: RUNBOOK_DIRECTORY.adminDn,
          usersDn: RUNBOOK_DIRECTORY.usersDn,
          ...(groups
            ? { groups: { ...groups, dn: RUNBOOK_DIRECTORY.groupsDn } }
            : {}),
        };
        const dry = await h.run(step.action, input, {
          dryRun: true,
          secrets: h.secrets,
        });
        expect(dry.error).toBeUndefined();
        const result = await h.run(step.action, input, { secrets: h.secrets });
        expect(result.error).toBeUndefined();
        const realm = (step.input.realm as string) ?? h.config.keycloak.realm;
        const [component] = await h.keycloak.listComponents(realm, {
          name: step.input.name as string,
        });
        expect(component?.providerId).toBe('ldap');
        expect(result.outputs.componentId).toBe(component.id);
      } finally {
        await h.stop();
      }
    },
  );
});
