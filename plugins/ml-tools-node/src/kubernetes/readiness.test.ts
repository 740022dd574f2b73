import { releaseReadiness } from './readiness';

const hr = (status: object, generation = 2) => ({
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: { name: 'a', generation },
  status,
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
