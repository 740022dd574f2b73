import { exampleSteps, startHarness } from '../__testUtils__/harness';
import { deployExamples } from './deploy.examples';

jest.setTimeout(60_000);

describe('ml-tools:deploy examples', () => {
  it.each(exampleSteps(deployExamples))('$description', async step => {
    const h = await startHarness();
    try {
      const result = await h.run(step.action, step.input);
      expect(result.error).toBeUndefined();
      expect(result.outputs.url).toMatch(/^https:\/\//);
      expect(
        h.cluster.simulator.get(
          'helm.toolkit.fluxcd.io/v2',
          'HelmRelease',
          step.input.name as string,
          step.input.namespace as string,
        ),
      ).toBeDefined();
    } finally {
      await h.stop();
    }
  });
});
