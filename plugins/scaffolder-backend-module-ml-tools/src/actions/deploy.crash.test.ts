import {
  mlflowInput,
  SimulatedCrash,
  startHarness,
} from '../__testUtils__/harness';
import { creations, snapshotManagedState } from '../__testUtils__/state';

jest.setTimeout(300_000);

/** The data of both Secrets with generated keys: the database's and the bucket's. */
function generatedSecrets(h: Awaited<ReturnType<typeof startHarness>>) {
  return Object.fromEntries(
    ['mlflow-vision-postgresql', 'mlflow-vision-secrets'].map(name => [
      name,
      h.cluster.simulator.get('v1', 'Secret', name, 'ml-vision')?.data,
    ]),
  );
}

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
        const secretsAtCrash = generatedSecrets(h);

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
        const secretsNow = generatedSecrets(h);
        for (const [name, atCrash] of Object.entries(secretsAtCrash)) {
          expect({ k, name, kept: atCrash ?? secretsNow[name] }).toEqual({
            k,
            name,
            kept: secretsNow[name],
          });
        }
      } finally {
        await h.stop();
      }
    }
  });
});
