import {
  exampleSteps,
  givenNamespaces,
  startHarness,
} from '../__testUtils__/harness';
import { secretsEnsureExamples } from './secretsEnsure.examples';

jest.setTimeout(60_000);

describe('ml-tools:secrets:ensure examples', () => {
  it.each(exampleSteps(secretsEnsureExamples))('$description', async step => {
    const h = await startHarness();
    try {
      givenNamespaces(h, step.input.namespace as string);
      const result = await h.run(step.action, step.input);
      expect(result.error).toBeUndefined();
      const secret = h.cluster.simulator.get(
        'v1',
        'Secret',
        result.outputs.secretName as string,
        step.input.namespace as string,
      );
      expect(Object.keys(secret!.data as object).sort()).toEqual(
        result.outputs.keys,
      );
    } finally {
      await h.stop();
    }
  });
});
