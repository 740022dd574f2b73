import type { Entity } from '@backstage/catalog-model';
import type { JsonObject } from '@backstage/types';
import {
  PEOPLE,
  repoTemplate,
  startPortal,
  type TaskEnd,
} from './__testUtils__/portal';
import { keycloakAdmin } from './__testUtils__/keycloakUsers';

jest.setTimeout(300_000);

/*
 * "Protect a service" from the portal: the auth proxy building block in front of a
 * Service someone else deployed, with its own Keycloak client; the Service and its own
 * ingress are left exactly as they were.
 */

const NAMESPACE = 'ml-acceptance';
const NAME = 'studio-sso';
const GK_NAME = 'studio-gk';
const HR = 'helm.toolkit.fluxcd.io/v2';

const component = (name: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: `sandbox-${NAMESPACE}-${name}`,
    namespace: 'default',
    annotations: { 'ml-platform.io/instance': `sandbox/${NAMESPACE}/${name}` },
  },
  spec: {
    type: 'protect-service',
    lifecycle: 'production',
    owner: 'group:default/vision',
  },
});

const values = (overrides: JsonObject = {}): JsonObject => ({
  namespace: NAMESPACE,
  service: 'label-studio',
  port: 8080,
  scheme: 'http',
  name: NAME,
  owner: 'group:default/vision',
  access: ['group:default/vision', 'group:default/analysts'],
  proxy: 'oauth2-proxy',
  ...overrides,
});

describe('the protect-service template, from the portal', () => {
  let portal: Awaited<ReturnType<typeof startPortal>>;
  const seen: string[] = [];
  const sim = () => portal.sandbox.clusters[0].simulator;
  const keep = (task: TaskEnd) => {
    seen.push(task.log, JSON.stringify(task.output ?? {}));
    return task;
  };
  const secretValue = (name: string, key: string) =>
    Buffer.from(
      (sim().get('v1', 'Secret', name, NAMESPACE)!.data as any)[key],
      'base64',
    ).toString('utf8');
  const completed = (task: TaskEnd) => ({
    status: task.status,
    log: task.status === 'completed' ? '' : task.log,
  });
  /** The protected Service and its own Ingress, as someone else deployed them. */
  const theirs = () =>
    JSON.stringify([
      sim().get('v1', 'Service', 'label-studio', NAMESPACE),
      sim().get('networking.k8s.io/v1', 'Ingress', 'label-studio', NAMESPACE),
    ]);

  beforeAll(async () => {
    portal = await startPortal({
      extraEntities: [
        repoTemplate('protect-service'),
        component(NAME),
        component(GK_NAME),
      ],
    });
  });

  afterAll(async () => {
    await portal?.stop();
  });

  it('refuses a Service that does not exist, before any write, naming the field', async () => {
    const mark = portal.sandbox.log.mark();
    const dry = await portal.dryRun('protect-service', values(), PEOPLE.alice);
    expect(dry.status).toBe(400);
    expect(dry.body.error.message).toMatch(
      /input\.parameters\.service: Service "label-studio" in ml-acceptance: no such Service/,
    );
    const task = keep(
      await portal.run('protect-service', values(), PEOPLE.alice),
    );
    expect(task.status).toBe('failed');
    expect(task.log).toMatch(/input\.parameters\.service/);
    expect(portal.writesSince(mark)).toEqual([]);
  });

  it('refuses a port the Service does not have, naming the field', async () => {
    const s = sim();
    s.apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NAMESPACE },
    });
    s.apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'label-studio', namespace: NAMESPACE },
      spec: {
        selector: { app: 'label-studio' },
        ports: [{ name: 'http', port: 8080, targetPort: 8080 }],
      },
    });
    s.apply({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'label-studio', namespace: NAMESPACE },
      spec: {
        rules: [
          {
            host: 'label-studio.sandbox.local',
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: {
                    service: { name: 'label-studio', port: { number: 8080 } },
                  },
                },
              ],
            },
          },
        ],
      },
    });
    const mark = portal.sandbox.log.mark();
    const dry = await portal.dryRun(
      'protect-service',
      values({ port: 9090 }),
      PEOPLE.alice,
    );
    expect(dry.status).toBe(400);
    expect(dry.body.error.message).toMatch(
      /input\.parameters\.service: .*has no port 9090 \(it has 8080\)/,
    );
    expect(portal.writesSince(mark)).toEqual([]);
  });

  it("refuses an instance named like the Service: the proxy's Service would replace it", async () => {
    const mark = portal.sandbox.log.mark();
    const dry = await portal.dryRun(
      'protect-service',
      values({ name: 'label-studio' }),
      PEOPLE.alice,
    );
    expect(dry.status).toBe(400);
    expect(dry.body.error.message).toMatch(
      /input\.name: Service "label-studio" in ml-acceptance: the proxy's Service "label-studio" would replace an existing Service/,
    );
    expect(portal.writesSince(mark)).toEqual([]);
  });

  it('puts oauth2-proxy in front of the Service, Ready, with its own client, audience scope and allowed groups; the Service is untouched', async () => {
    const before = theirs();
    const task = keep(
      await portal.run('protect-service', values(), PEOPLE.alice),
    );
    expect(completed(task)).toEqual({ status: 'completed', log: '' });
    const hr = sim().get(HR, 'HelmRelease', NAME, NAMESPACE)!;
    const ready = (hr.status as any).conditions.find(
      (c: { type: string }) => c.type === 'Ready',
    );
    expect(ready.status).toBe('True');
    expect(hr.metadata.labels!['app.kubernetes.io/component']).toBe('main');
    const v = (hr.spec as any).values;
    expect(v.config).toEqual({ existingSecret: `${NAME}-oidc` });
    expect(v.extraArgs).toEqual(
      expect.arrayContaining([
        '--upstream=http://label-studio.ml-acceptance.svc.cluster.local:8080',
        `--redirect-url=https://${NAME}.sandbox.local/oauth2/callback`,
        '--allowed-group=/analysts',
        '--allowed-group=/data-scientists/vision',
      ]),
    );
    expect(v.ingress.hosts).toEqual([`${NAME}.sandbox.local`]);
    expect(theirs()).toBe(before);

    const [client] = await keycloakAdmin(
      portal.sandbox,
      'GET',
      `/clients?clientId=${NAME}`,
    );
    expect(client.redirectUris).toEqual([
      `https://${NAME}.sandbox.local/oauth2/callback`,
    ]);
    expect(client.defaultClientScopes).toContain(`${NAME}-audience`);
    const [scope] = (
      await keycloakAdmin(portal.sandbox, 'GET', '/client-scopes')
    ).filter((s: { name: string }) => s.name === `${NAME}-audience`);
    expect(scope.protocolMappers).toEqual([
      expect.objectContaining({
        protocolMapper: 'oidc-audience-mapper',
        config: expect.objectContaining({
          'included.client.audience': NAME,
          'id.token.claim': 'true',
          'access.token.claim': 'true',
        }),
      }),
    ]);
    expect(secretValue(`${NAME}-oidc`, 'cookie-secret')).toMatch(
      /^[A-Za-z0-9]{32}$/,
    );
  });

  it('makes no write on a re-run, and a dry run answers without writing', async () => {
    const mark = portal.sandbox.log.mark();
    const again = keep(
      await portal.run('protect-service', values(), PEOPLE.alice),
    );
    expect(completed(again)).toEqual({ status: 'completed', log: '' });
    const dry = await portal.dryRun('protect-service', values(), PEOPLE.alice);
    seen.push(JSON.stringify(dry.body));
    expect(dry.status).toBe(200);
    expect(portal.writesSince(mark)).toEqual([]);
  });

  it('offers gogatekeeper as the proxy: secrets by reference, its callback, the same groups', async () => {
    const task = keep(
      await portal.run(
        'protect-service',
        values({ name: GK_NAME, proxy: 'gatekeeper' }),
        PEOPLE.alice,
      ),
    );
    expect(completed(task)).toEqual({ status: 'completed', log: '' });
    const hr = sim().get(HR, 'HelmRelease', GK_NAME, NAMESPACE)!;
    expect((hr.spec as any).chart.spec).toMatchObject({
      chart: 'gatekeeper',
      version: '0.1.64',
    });
    const v = (hr.spec as any).values;
    expect(v.extraArgs).toEqual(
      expect.arrayContaining([
        '--upstream-url=http://label-studio.ml-acceptance.svc.cluster.local:8080',
        '--resources=uri=/*|groups=/analysts,/data-scientists/vision',
      ]),
    );
    expect(v.extraEnvVars).toEqual([
      {
        name: 'PROXY_CLIENT_ID',
        valueFrom: {
          secretKeyRef: { name: `${GK_NAME}-oidc`, key: 'client-id' },
        },
      },
      {
        name: 'PROXY_CLIENT_SECRET',
        valueFrom: {
          secretKeyRef: { name: `${GK_NAME}-oidc`, key: 'client-secret' },
        },
      },
      {
        name: 'PROXY_ENCRYPTION_KEY',
        valueFrom: {
          secretKeyRef: { name: `${GK_NAME}-oidc`, key: 'cookie-secret' },
        },
      },
    ]);
    const [client] = await keycloakAdmin(
      portal.sandbox,
      'GET',
      `/clients?clientId=${GK_NAME}`,
    );
    expect(client.redirectUris).toEqual([
      `https://${GK_NAME}.sandbox.local/oauth/callback`,
    ]);
  });

  it('shows no client secret nor cookie secret in any task log, output, dry run or release', async () => {
    const secrets = [NAME, GK_NAME].flatMap(n => [
      secretValue(`${n}-oidc`, 'client-secret'),
      secretValue(`${n}-oidc`, 'cookie-secret'),
    ]);
    const texts = [
      ...seen,
      JSON.stringify(sim().list(HR, 'HelmRelease', { namespace: NAMESPACE })),
    ].join('\n');
    const forms = (s: string) => [s, Buffer.from(s).toString('base64')];
    expect(secrets.flatMap(forms).filter(f => texts.includes(f))).toEqual([]);
  });

  it('decommissions the proxy and its client; the Service and its ingress stay as they were', async () => {
    const before = theirs();
    for (const name of [NAME, GK_NAME]) {
      const task = keep(
        await portal.run(
          'ml-tool-decommission',
          {
            instance: `component:default/sandbox-${NAMESPACE}-${name}`,
            confirmName: name,
            keepData: true,
          },
          PEOPLE.alice,
        ),
      );
      expect(completed(task)).toEqual({ status: 'completed', log: '' });
      expect(
        await keycloakAdmin(portal.sandbox, 'GET', `/clients?clientId=${name}`),
      ).toEqual([]);
    }
    expect(sim().list(HR, 'HelmRelease', { namespace: NAMESPACE })).toEqual([]);
    // The group created for these instances went with the last of them.
    await expect(
      keycloakAdmin(portal.sandbox, 'GET', '/group-by-path/analysts'),
    ).rejects.toThrow(/404/);
    expect(
      sim()
        .list('v1', 'Secret', { namespace: NAMESPACE })
        .map(s => s.metadata.name)
        .filter(n => n!.startsWith('studio-')),
    ).toEqual([]);
    expect(theirs()).toBe(before);
  });
});
