import {
  conditionCheck,
  keycloakClientCheck,
  namedWorkloadsCheck,
  overallStatus,
  podsCheck,
  workloadsCheck,
} from './checks';
import { releaseCheck } from './releaseStatus';

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

  describe('Flux HelmRelease, read as helm-controller documents it', () => {
    const hr = (
      conditions: object[],
      generation?: { generation: number; observed?: number },
    ) =>
      ok({
        metadata: {
          name: 'x',
          ...(generation ? { generation: generation.generation } : {}),
        },
        status: {
          conditions,
          ...(generation?.observed !== undefined
            ? { observedGeneration: generation.observed }
            : {}),
        },
      });
    const failedInstall = {
      type: 'Released',
      status: 'False',
      reason: 'InstallFailed',
      message:
        "values don't meet the specifications of the schema(s): at '/replicas': minimum: got -1, want 0",
    };

    it('trusts conditions only for the current generation', () => {
      const stale = releaseCheck(
        'HelmRelease',
        hr([{ type: 'Ready', status: 'True', message: 'old release ok' }], {
          generation: 3,
          observed: 2,
        }),
      );
      expect(stale.status).toBe('degraded');
      expect(stale.reason).toMatch(/not applied the latest change yet/);
      expect(
        releaseCheck(
          'HelmRelease',
          hr(
            [
              {
                type: 'Ready',
                status: 'True',
                message: 'Helm install succeeded',
              },
            ],
            {
              generation: 3,
              observed: 3,
            },
          ),
        ),
      ).toMatchObject({ status: 'ok', reason: 'Helm install succeeded' });
    });

    it("shows Helm's message from Released, even after Remediated overwrote Ready", () => {
      const check = releaseCheck(
        'HelmRelease',
        hr(
          [
            {
              type: 'Ready',
              status: 'False',
              reason: 'UninstallSucceeded',
              message: 'Helm uninstall succeeded for release ml/x',
            },
            failedInstall,
            {
              type: 'Remediated',
              status: 'True',
              reason: 'UninstallSucceeded',
              message: 'Helm uninstall succeeded for release ml/x',
            },
          ],
          { generation: 1, observed: 1 },
        ),
      );
      expect(check.status).toBe('error');
      expect(check.reason).toContain('Helm install failed');
      expect(check.reason).toContain("at '/replicas': minimum");
      expect(check.reason).not.toContain('uninstall succeeded');
    });

    it('treats Stalled with RetriesExceeded as final, and says what to do', () => {
      const check = releaseCheck(
        'HelmRelease',
        hr(
          [
            { type: 'Ready', status: 'False', reason: 'InstallFailed' },
            failedInstall,
            {
              type: 'Stalled',
              status: 'True',
              reason: 'RetriesExceeded',
              message: 'Failed to install after 4 attempt(s)',
            },
          ],
          { generation: 1, observed: 1 },
        ),
      );
      expect(check).toMatchObject({
        status: 'error',
        details: { stalled: true, reason: 'InstallFailed' },
      });
      expect(check.reason).toMatch(
        /^Flux stopped retrying this release: values/,
      );
      expect(check.reason).toMatch(/run the template again/);
    });
  });

  describe('Argo CD Application', () => {
    const app = (status: object) => ok({ metadata: { name: 'x' }, status });

    it('reports comparison and spec errors before health and sync', () => {
      const compare = releaseCheck(
        'Application',
        app({
          health: { status: 'Healthy' },
          sync: { status: 'Unknown' },
          conditions: [
            {
              type: 'ComparisonError',
              message:
                'Failed to load target state: chart mlflow 9.9.9 not found',
            },
          ],
        }),
      );
      expect(compare.status).toBe('error');
      expect(compare.reason).toMatch(
        /^Argo CD cannot render or compare the application: Failed to load target state: chart mlflow 9.9.9 not found\. Check the chart/,
      );
      expect(
        releaseCheck(
          'Application',
          app({ conditions: [{ type: 'InvalidSpecError', message: 'bad' }] }),
        ).reason,
      ).toMatch(/^The Argo CD Application is invalid: bad/);
    });

    it('reports a failed or running sync operation', () => {
      expect(
        releaseCheck(
          'Application',
          app({
            health: { status: 'Progressing' },
            sync: { status: 'OutOfSync' },
            operationState: {
              phase: 'Failed',
              message: 'one or more objects failed to apply',
            },
          }),
        ),
      ).toMatchObject({
        status: 'error',
        reason: expect.stringMatching(
          /^The last sync failed: one or more objects failed to apply/,
        ),
      });
      expect(
        releaseCheck(
          'Application',
          app({
            health: { status: 'Progressing' },
            sync: { status: 'OutOfSync' },
            operationState: { phase: 'Running' },
          }),
        ),
      ).toMatchObject({ status: 'degraded', reason: 'Sync in progress' });
    });
  });

  it('reads a blueprint object by its Ready condition, or its existence', () => {
    expect(releaseCheck('Workspace', ok({ metadata: { name: 'w' } }))).toEqual({
      id: 'release',
      title: 'Workspace',
      status: 'ok',
      reason: 'Workspace exists',
    });
    expect(releaseCheck('Workspace', ok(undefined)).status).toBe('error');
  });

  it('names each missing or unready workload the blueprint lists', () => {
    const workload = (name: string) => ({
      kind: 'Deployment',
      name,
      namespace: 'ml',
    });
    const ready = ok({ spec: { replicas: 1 }, status: { readyReplicas: 1 } });
    const check = namedWorkloadsCheck([
      { workload: workload('web'), outcome: ready },
      { workload: workload('db'), outcome: ok(undefined) },
      {
        workload: workload('worker'),
        outcome: ok({ spec: { replicas: 2 }, status: { readyReplicas: 1 } }),
      },
    ]);
    expect(check).toMatchObject({
      status: 'error',
      reason: 'Missing: Deployment db; not ready: Deployment worker',
      details: { ready: 1, total: 3 },
    });
    expect(
      namedWorkloadsCheck([{ workload: workload('web'), outcome: ready }]),
    ).toMatchObject({ status: 'ok', reason: '1/1 ready: Deployment web' });
    expect(
      namedWorkloadsCheck([
        { workload: workload('web'), outcome: ready },
        { workload: workload('db'), outcome: ready },
      ]),
    ).toMatchObject({
      status: 'ok',
      reason: '2/2 ready: Deployment web, Deployment db',
      details: { ready: 2, total: 2 },
    });
  });

  it('checks a named condition of an object, or that it exists', () => {
    const condition = {
      title: 'Workspace',
      kind: 'Workspace',
      name: 'w',
      type: 'Ready',
    };
    expect(
      conditionCheck(
        condition,
        ok({
          status: {
            conditions: [
              { type: 'Ready', status: 'False', message: 'quota exceeded' },
            ],
          },
        }),
      ),
    ).toMatchObject({
      id: 'condition:Workspace',
      status: 'error',
      reason: 'Workspace w is not Ready: quota exceeded',
    });
    expect(conditionCheck(condition, ok(undefined)).reason).toBe(
      'Workspace w does not exist',
    );
    expect(
      conditionCheck(
        { ...condition, type: undefined },
        ok({ metadata: { name: 'w' } }),
      ).status,
    ).toBe('ok');
  });

  it('calls an object with a failure-only condition an error, and one without it up', () => {
    const profile = {
      title: 'Profile',
      kind: 'Profile',
      name: 'team-a',
      failureType: 'Failed',
    };
    expect(
      conditionCheck(
        profile,
        ok({
          status: {
            conditions: [
              {
                type: 'Failed',
                message:
                  'namespace already exist, but not owned by profile creator a@x.org',
              },
            ],
          },
        }),
      ),
    ).toMatchObject({
      status: 'error',
      reason:
        'Profile team-a is Failed: namespace already exist, but not owned by profile creator a@x.org',
    });
    expect(
      conditionCheck(profile, ok({ metadata: { name: 'team-a' } })),
    ).toMatchObject({ status: 'ok', reason: 'Profile team-a exists' });
    expect(
      conditionCheck(
        profile,
        ok({ status: { conditions: [{ type: 'Failed', status: 'False' }] } }),
      ).status,
    ).toBe('ok');
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
