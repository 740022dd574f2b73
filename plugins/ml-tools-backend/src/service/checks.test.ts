import {
  keycloakClientCheck,
  overallStatus,
  podsCheck,
  releaseCheck,
  workloadsCheck,
} from './checks';

const ok = <T>(value: T) => ({ state: 'ok' as const, value, fetchedAt: 0 });

describe('health checks', () => {
  it('reads a failed HelmRelease as error with its message', () => {
    expect(
      releaseCheck(
        'HelmRelease',
        ok({
          status: {
            conditions: [
              {
                type: 'Ready',
                status: 'False',
                message: 'install retries exhausted',
              },
            ],
          },
        }),
      ),
    ).toMatchObject({ status: 'error', reason: 'install retries exhausted' });
    expect(releaseCheck('HelmRelease', ok(undefined))).toMatchObject({
      status: 'error',
      reason: 'HelmRelease not found',
    });
  });

  it('reads Argo CD health and sync', () => {
    const app = (health: string, sync: string) =>
      ok({ status: { health: { status: health }, sync: { status: sync } } });
    expect(releaseCheck('Application', app('Healthy', 'Synced')).status).toBe(
      'ok',
    );
    expect(
      releaseCheck('Application', app('Progressing', 'OutOfSync')).status,
    ).toBe('degraded');
    expect(releaseCheck('Application', app('Degraded', 'Synced')).status).toBe(
      'error',
    );
  });

  it('counts ready workloads and calls an empty release an error', () => {
    expect(workloadsCheck(ok([])).status).toBe('error');
    expect(
      workloadsCheck(
        ok([{ spec: { replicas: 2 }, status: { readyReplicas: 0 } }]),
      ),
    ).toMatchObject({ status: 'error', details: { ready: 0, total: 1 } });
  });

  it('flags crash loops and many restarts', () => {
    const pod = (restartCount: number, reason?: string) => ({
      metadata: { name: 'p' },
      status: {
        containerStatuses: [
          {
            restartCount,
            ...(reason ? { state: { waiting: { reason } } } : {}),
          },
        ],
      },
    });
    expect(podsCheck(ok([pod(1, 'CrashLoopBackOff')])).status).toBe('error');
    expect(podsCheck(ok([pod(7)]))).toMatchObject({
      status: 'degraded',
      details: { restarts: 7 },
    });
    expect(podsCheck(ok([pod(1)])).status).toBe('ok');
  });

  it('reports a missing or disabled Keycloak client as error', () => {
    expect(keycloakClientCheck('x', ok(undefined)).status).toBe('error');
    expect(
      keycloakClientCheck('x', ok({ id: '1', clientId: 'x', enabled: false }))
        .reason,
    ).toBe('Client x is disabled');
  });

  it('turns a timeout into unknown and a failure into error', () => {
    expect(
      workloadsCheck({ state: 'timeout', reason: 'late', fetchedAt: 0 }),
    ).toMatchObject({ status: 'unknown', reason: 'late' });
    expect(
      workloadsCheck({ state: 'failed', reason: 'HTTP 403', fetchedAt: 0 })
        .status,
    ).toBe('error');
  });

  it('rates an instance by its worst check', () => {
    const check = (status: any) => ({
      id: 'x',
      title: 'x',
      status,
      reason: '',
    });
    expect(overallStatus([check('ok'), check('unknown')])).toBe('unknown');
    expect(overallStatus([check('unknown'), check('degraded')])).toBe(
      'degraded',
    );
    expect(overallStatus([check('degraded'), check('error')])).toBe('error');
  });
});
