import { applyWorkloadDefaults, defaultPullPolicy } from './defaults';

describe('applyWorkloadDefaults', () => {
  it('fills a Deployment as the API server does, and is idempotent', () => {
    const d: any = {
      spec: {
        selector: { matchLabels: { app: 'a' } },
        template: { spec: { containers: [{ name: 'a', image: 'nginx' }] } },
      },
    };
    applyWorkloadDefaults('apps/deployments', d);
    expect(d.spec).toMatchObject({
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
      },
    });
    expect(d.spec.template.spec).toMatchObject({
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      terminationGracePeriodSeconds: 30,
      securityContext: {},
    });
    expect(d.spec.template.spec.containers[0]).toEqual({
      name: 'a',
      image: 'nginx',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'Always',
      resources: {},
    });
    const once = JSON.stringify(d);
    applyWorkloadDefaults('apps/deployments', d);
    expect(JSON.stringify(d)).toBe(once);
  });

  it('keeps what the author set: a Recreate strategy gets no rollingUpdate', () => {
    const d: any = {
      spec: { strategy: { type: 'Recreate' }, revisionHistoryLimit: 2 },
    };
    applyWorkloadDefaults('apps/deployments', d);
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    expect(d.spec.revisionHistoryLimit).toBe(2);
  });

  it('leaves a Job template without a restart policy (its author must choose one)', () => {
    const j: any = { spec: { template: { spec: { containers: [] } } } };
    applyWorkloadDefaults('batch/jobs', j);
    expect(j.spec).toMatchObject({
      backoffLimit: 6,
      completions: 1,
      parallelism: 1,
    });
    expect(j.spec.template.spec.restartPolicy).toBeUndefined();
  });
});

describe('defaultPullPolicy', () => {
  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['registry:5000/team/app', 'Always'],
    ['registry:5000/team/app:1.2', 'IfNotPresent'],
    ['nginx@sha256:abc', 'IfNotPresent'],
  ])('%s → %s', (image, policy) => {
    expect(defaultPullPolicy(image)).toBe(policy);
  });
});
