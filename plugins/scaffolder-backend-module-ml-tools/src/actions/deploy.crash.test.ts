import {
  mlflowInput,
  SimulatedCrash,
  startHarness,
} from '../__testUtils__/harness';
import { creations, snapshotManagedState } from '../__testUtils__/state';

jest.setTimeout(300_000);

/**
 * Stops the deploy after each upstream call in turn, resumes it with the checkpoints
 * the stopped run persisted, and compares the end state with a clean run's.
 */
describe('ml-tools:deploy crash and resume', () => {
  let clean: unknown;
  let cleanCreations: string[];
  let totalCalls: number;

  beforeAll(async () => {
    const h = await startHarness({ pullSecret: true });
    try {
      const result = await h.run('ml-tools:deploy', mlflowInput());
      if (result.error) throw result.error;
      clean = await snapshotManagedState(h.sandbox);
      cleanCreations = creations(h.sandbox);
      totalCalls = h.calls.length;
    } finally {
      await h.stop();
    }
  });

  it('ends in the clean state, with nothing created twice, whichever call it stopped after', async () => {
    expect(totalCalls).toBeGreaterThan(30);
    for (let k = 1; k < totalCalls; k++) {
      const h = await startHarness({ pullSecret: true });
      try {
        h.crashAfterCalls(k);
        const crashed = await h.run('ml-tools:deploy', mlflowInput());
        expect(crashed.error).toBeInstanceOf(SimulatedCrash);
        const secretsAtCrash = h.cluster.simulator.get(
          'v1',
          'Secret',
          'mlflow-vision-secrets',
          'ml-vision',
        )?.data;

        const resumed = await h.run('ml-tools:deploy', mlflowInput(), {
          checkpoints: crashed.checkpoints,
        });
        if (resumed.error)
          throw new Error(
            `resume after call ${k} failed: ${resumed.error.message}`,
          );

        expect({ k, state: await snapshotManagedState(h.sandbox) }).toEqual({
          k,
          state: clean,
        });
        expect({ k, created: creations(h.sandbox) }).toEqual({
          k,
          created: cleanCreations,
        });
        // Generated secrets written before the crash were kept, not generated again.
        const secretsNow = h.cluster.simulator.get(
          'v1',
          'Secret',
          'mlflow-vision-secrets',
          'ml-vision',
        )?.data;
        expect({ k, kept: secretsAtCrash ?? secretsNow }).toEqual({
          k,
          kept: secretsNow,
        });
      } finally {
        await h.stop();
      }
    }
  });
});
