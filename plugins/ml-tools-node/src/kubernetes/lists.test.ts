import { startSandbox, type Sandbox } from '@ml-platform/sandbox';
import { clusterConfig, fastRetry } from '../__testUtils__/sandbox';
import { KubernetesClientGateway } from './KubernetesClientGateway';

jest.setTimeout(60_000);

describe('KubernetesClientGateway with kinds it does not know up front', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ clusters: [{ name: 'east' }] });
  });
  afterAll(() => sandbox.stop());

  it("applies, gets and lists a tool's custom resource through API discovery, asked once", async () => {
    const gw = new KubernetesClientGateway({
      clusters: clusterConfig(sandbox),
      retry: fastRetry,
    });
    const profile = {
      apiVersion: 'kubeflow.org/v1',
      kind: 'Profile',
      metadata: { name: 'team-vision', labels: { team: 'vision' } },
      spec: { owner: { kind: 'User', name: 'alice@example.test' } },
    };
    const mark = sandbox.log.mark();
    await gw.apply('east', profile);
    expect(
      await gw.get('east', {
        apiVersion: 'kubeflow.org/v1',
        kind: 'Profile',
        name: 'team-vision',
      }),
    ).toMatchObject({ spec: profile.spec });
    const listed = await gw.list('east', {
      apiVersion: 'kubeflow.org/v1',
      kind: 'Profile',
      labelSelector: 'team=vision',
    });
    expect(listed.map(p => [p.kind, p.metadata.name])).toEqual([
      ['Profile', 'team-vision'],
    ]);
    const calls = sandbox.log
      .entries({ since: mark })
      .map(c => `${c.method} ${c.path}`);
    expect(calls).toEqual([
      'GET /apis/kubeflow.org/v1',
      'PATCH /apis/kubeflow.org/v1/profiles/team-vision',
      'GET /apis/kubeflow.org/v1/profiles/team-vision',
      'GET /apis/kubeflow.org/v1/profiles',
    ]);
  });
});
