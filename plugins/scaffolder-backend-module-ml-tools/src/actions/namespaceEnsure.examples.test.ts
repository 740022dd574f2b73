import { exampleSteps, startHarness } from '../__testUtils__/harness';
import { namespaceEnsureExamples } from './namespaceEnsure.examples';

jest.setTimeout(60_000);

describe('ml-tools:namespace:ensure examples', () => {
  it.each(exampleSteps(namespaceEnsureExamples))('$description', async step => {
    const h = await startHarness();
    try {
      expect(step.action).toBe('ml-tools:namespace:ensure');
      const result = await h.run(step.action, step.input);
      expect(result.error).toBeUndefined();
      expect(
        h.cluster.simulator.get(
          'v1',
          'Namespace',
          step.input.namespace as string,
        ),
      ).toBeDefined();
    } finally {
      await h.stop();
    }
  });
});
