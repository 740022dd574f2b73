import { releaseReadiness } from './readiness';

/** A HelmRelease whose status was written for its current generation unless said. */
const hr = (status: object, generation = 2) => ({
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: { name: 'a', generation },
  status: { observedGeneration: generation, ...status },
});

describe('releaseReadiness', () => {
  it('reads Flux conditions for the current generation', () => {
    expect(releaseReadiness(undefined).state).toBe('pending');
    expect(
      releaseReadiness(
        hr({
          observedGeneration: 1,
          conditions: [{ type: 'Ready', status: 'True' }],
        }),
      ).state,
    ).toBe('pending');
    expect(
      releaseReadiness(
        hr({
          observedGeneration: 2,
          conditions: [
            { type: 'Ready', status: 'True', reason: 'InstallSucceeded' },
          ],
        }),
      ),
    ).toEqual({
      state: 'ready',
      message: 'Ready=True (InstallSucceeded)',
    });
    expect(
      releaseReadiness(
        hr({
          conditions: [
            { type: 'Ready', status: 'Unknown', reason: 'Progressing' },
          ],
        }),
      ).state,
    ).toBe('pending');
    expect(
      releaseReadiness(
        hr({
          conditions: [
            {
              type: 'Ready',
              status: 'False',
              reason: 'InstallFailed',
              message: 'boom',
            },
          ],
        }),
      ),
    ).toEqual({
      state: 'failed',
      message: 'Ready=False (InstallFailed): boom',
    });
    expect(
      releaseReadiness(
        hr({
          conditions: [
            { type: 'Stalled', status: 'True', reason: 'RetriesExceeded' },
          ],
        }),
      ).state,
    ).toBe('failed');
    // The cause sits on Ready; Stalled alone only says that Flux gave up.
    expect(
      releaseReadiness(
        hr({
          conditions: [
            {
              type: 'Stalled',
              status: 'True',
              reason: 'RetriesExceeded',
              message: 'Failed to install after 1 attempt(s)',
            },
            {
              type: 'Ready',
              status: 'False',
              reason: 'InstallFailed',
              message: 'Helm install failed: image pull failed',
            },
          ],
        }),
      ),
    ).toEqual({
      state: 'failed',
      message:
        'Stalled=True (RetriesExceeded): Failed to install after 1 attempt(s); Ready=False (InstallFailed): Helm install failed: image pull failed',
    });
  });

  it('takes the cause from Released when Remediated rewrote Ready, and trusts only the current generation', () => {
    const remediated = hr({
      observedGeneration: 2,
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'UninstallSucceeded',
          message: 'Helm uninstall succeeded',
        },
        {
          type: 'Released',
          status: 'False',
          reason: 'InstallFailed',
          message: "values don't meet the specifications of the schema(s)",
        },
        { type: 'Remediated', status: 'True', reason: 'UninstallSucceeded' },
      ],
    });
    expect(releaseReadiness(remediated)).toEqual({
      state: 'failed',
      message:
        "Released=False (InstallFailed): values don't meet the specifications of the schema(s)",
    });
    // Conditions of an older generation say nothing about the current spec.
    expect(
      releaseReadiness(
        hr({
          observedGeneration: 1,
          conditions: [
            { type: 'Released', status: 'False', reason: 'InstallFailed' },
          ],
        }),
      ).state,
    ).toBe('pending');
  });

  it('reads Argo CD errors and the last operation before health', () => {
    const app = (status: object) => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'a', generation: 3 },
      status,
    });
    expect(
      releaseReadiness(
        app({
          conditions: [
            {
              type: 'ComparisonError',
              message: 'chart mlflow 9.9.9 not found',
            },
          ],
          health: { status: 'Healthy' },
          sync: { status: 'Synced' },
        }),
      ),
    ).toEqual({
      state: 'failed',
      message: 'ComparisonError: chart mlflow 9.9.9 not found',
    });
    expect(
      releaseReadiness(
        app({
          operationState: {
            phase: 'Failed',
            message: 'one or more objects failed',
          },
          health: { status: 'Progressing' },
          sync: { status: 'OutOfSync' },
        }),
      ),
    ).toEqual({
      state: 'failed',
      message: 'sync Failed: one or more objects failed',
    });
  });

  it('reads Argo CD health and sync', () => {
    const app = (health: string, sync: string) => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'a' },
      status: { health: { status: health }, sync: { status: sync } },
    });
    expect(releaseReadiness(app('Healthy', 'Synced')).state).toBe('ready');
    expect(releaseReadiness(app('Progressing', 'Synced')).state).toBe(
      'pending',
    );
    expect(releaseReadiness(app('Degraded', 'Synced')).state).toBe('failed');
  });
});
