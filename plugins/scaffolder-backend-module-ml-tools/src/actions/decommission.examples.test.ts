import { mlflowBlueprint } from '@ml-platform/plugin-ml-tools-node';
import { exampleSteps, startHarness } from '../__testUtils__/harness';
import { decommissionExamples } from './decommission.examples';

jest.setTimeout(60_000);

describe('ml-tools:decommission examples', () => {
  it.each(exampleSteps(decommissionExamples))('$description', async step => {
    const h = await startHarness();
    try {
      const { cluster, namespace, name } = step.input as Record<string, string>;
      const deployed = await h.run('ml-tools:deploy', {
        blueprint: mlflowBlueprint.id,
        ...(cluster ? { cluster } : {}),
        namespace,
        name,
        owner: 'group:default/team',
      });
      expect(deployed.error).toBeUndefined();
      const result = await h.run(step.action, step.input);
      expect(result.error).toBeUndefined();
      expect(
        h.cluster.simulator.get(
          'helm.toolkit.fluxcd.io/v2',
          'HelmRelease',
          name,
          namespace,
        ),
      ).toBeUndefined();
      expect(await h.keycloak.findClientByClientId(name)).toBeUndefined();
    } finally {
      await h.stop();
    }
  });
});
