import type { Entity } from '@backstage/catalog-model';
import type { JsonObject } from '@backstage/types';
import { ML_PLATFORM_ANNOTATIONS } from '@ml-platform/plugin-ml-tools-common';
import {
  keycloakAdminGet,
  PEOPLE,
  repoTemplate,
  startPortal,
} from './__testUtils__/portal';

/*
 * Pixano and DebiAI from their templates, through the real scaffolder backend against the
 * sandbox: an app-template release and the auth proxy in front of it, the proxy letting
 * in only the groups of the form; a re-run writes nothing, a dry run writes nothing,
 * decommission with keep-data keeps the data volume; no client or cookie secret shows up
 * in anything the portal keeps or answers.
 */

jest.setTimeout(300_000);

const NAMESPACE = 'ml-data-tools';
const CLUSTER = 'sandbox';

/** The instance's Component, as the provider would have put it in the catalog. */
function instanceEntity(name: string, tool: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: `${CLUSTER}-${NAMESPACE}-${name}`,
      namespace: 'default',
      annotations: {
        'ml-platform.io/instance': `${CLUSTER}/${NAMESPACE}/${name}`,
      },
    },
    spec: {
      type: tool,
      lifecycle: 'production',
      owner: 'group:default/vision',
    },
  };
}

/** Every way a secret could show up in text: raw, base64 and JSON-escaped. */
function forms(secret: string): string[] {
  return [
    secret,
    Buffer.from(secret, 'utf8').toString('base64'),
    JSON.stringify(secret).slice(1, -1),
  ];
}

const tools = [
  {
    tool: 'pixano',
    name: 'pixano-acc',
    role: 'annotator',
    port: 7492,
    dataPath: '/library',
  },
  {
    tool: 'debiai',
    name: 'debiai-acc',
    role: 'user',
    port: 3000,
    dataPath: '/debiai_data',
  },
] as const;

describe.each(tools)(
  '$tool from its template',
  ({ tool, name, role, port, dataPath }) => {
    let portal: Awaited<ReturnType<typeof startPortal>>;
    const sim = () => portal.sandbox.clusters[0].simulator;
    const release = (n: string) =>
      sim().get('helm.toolkit.fluxcd.io/v2', 'HelmRelease', n, NAMESPACE);
    const admin = async (path: string) =>
      (await keycloakAdminGet(portal.sandbox, path)).json();
    /** What the portal answered or kept, to search for secrets. */
    const seen: string[] = [];

    const values = (overrides: JsonObject = {}): JsonObject => ({
      name,
      namespace: NAMESPACE,
      owner: 'group:default/vision',
      [role]: ['group:default/vision', 'group:default/data-scientists'],
      storageType: 'volume',
      storageSize: '50Gi',
      storageClass: 'fast-ssd',
      ...overrides,
    });

    beforeAll(async () => {
      portal = await startPortal({
        extraEntities: [repoTemplate(tool), instanceEntity(name, tool)],
      });
    });
    afterAll(async () => {
      await portal?.stop();
    });

    it('deploys a Ready instance behind the auth proxy, letting in the groups of the form', async () => {
      const task = await portal.run(tool, values());
      seen.push(JSON.stringify(task));
      expect({ status: task.status, log: task.log }).toMatchObject({
        status: 'completed',
      });
      expect(task.output?.links).toEqual(
        expect.arrayContaining([
          {
            title: tool === 'pixano' ? 'Open Pixano' : 'Open DebiAI',
            icon: 'dashboard',
            url: `https://${name}.sandbox.local`,
          },
        ]),
      );

      const app = release(name)!;
      const proxy = release(`${name}-proxy`)!;
      for (const r of [app, proxy]) {
        seen.push(JSON.stringify(r));
        expect(
          (r.status as any).conditions.find((c: any) => c.type === 'Ready')
            .status,
        ).toBe('True');
      }
      const appValues = (app.spec as any).values;
      expect((app.spec as any).chart.spec).toMatchObject({
        chart: 'app-template',
        version: '4.1.1',
      });
      // The tool opens no host itself: only the proxy's ingress does.
      expect(appValues.ingress).toBeUndefined();
      expect(appValues.service.main.ports.http.port).toBe(port);
      expect(appValues.persistence.data).toEqual({
        type: 'persistentVolumeClaim',
        accessMode: 'ReadWriteOnce',
        size: '50Gi',
        storageClass: 'fast-ssd',
        retain: true,
        globalMounts: [{ path: dataPath }],
      });
      const args: string[] = (proxy.spec as any).values.extraArgs;
      expect(args.filter(a => a.startsWith('--allowed-group='))).toEqual([
        '--allowed-group=/data-scientists',
        '--allowed-group=/data-scientists/vision',
      ]);
      expect(args).toContain(
        `--upstream=http://${name}.${NAMESPACE}.svc.cluster.local:${port}`,
      );
      expect((proxy.spec as any).values.config).toEqual({
        existingSecret: `${name}-oidc`,
      });
      expect(
        JSON.parse(
          app.metadata.annotations![ML_PLATFORM_ANNOTATIONS.roleMappings],
        ),
      ).toEqual({
        [role]: ['/data-scientists', '/data-scientists/vision'],
      });

      const [client] = await admin(`/clients?clientId=${name}`);
      expect(client.redirectUris).toEqual([
        `https://${name}.sandbox.local/oauth2/callback`,
      ]);
    });

    it('writes nothing when run again with the same form', async () => {
      const mark = portal.sandbox.log.mark();
      const again = await portal.run(tool, values());
      seen.push(JSON.stringify(again));
      expect(again.status).toBe('completed');
      expect(portal.writesSince(mark)).toEqual([]);
    });

    it('dry-runs a new instance on an NFS share without writing, and refuses NFS settings with a new volume, naming the field', async () => {
      const mark = portal.sandbox.log.mark();
      const dry = await portal.dryRun(
        tool,
        values({
          name: `${name}-nfs`,
          storageType: 'nfs',
          storageSize: undefined as any,
          storageClass: '',
          nfsServer: 'nfs.example.org',
          nfsPath: '/exports/vision',
        }),
      );
      seen.push(JSON.stringify(dry.body));
      expect(dry.status).toBe(200);
      const log = JSON.stringify(dry.body.log ?? dry.body);
      expect(log).toMatch(new RegExp(`would create.*${name}-nfs`));
      // The form lets an NFS server through with a new volume; the blueprint does not.
      const refused = await portal.dryRun(
        tool,
        values({ name: `${name}-nfs`, nfsServer: 'nfs.example.org' }),
      );
      seen.push(JSON.stringify(refused.body));
      expect(JSON.stringify(refused.body)).toMatch(
        /input\.parameters\.nfsServer is only taken when storageType is nfs/,
      );
      expect(portal.writesSince(mark)).toEqual([]);
    });

    it('decommissions with keep-data: the releases and the client go, the data volume stays', async () => {
      // Helm leaves the claim on uninstall (`retain`: helm.sh/resource-policy keep);
      // the sandbox renders no claims, so it is made as the real chart renders it.
      sim().apply({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: {
          name,
          namespace: NAMESPACE,
          labels: {
            'app.kubernetes.io/instance': name,
            'app.kubernetes.io/managed-by': 'Helm',
            'app.kubernetes.io/name': name,
          },
          annotations: { 'helm.sh/resource-policy': 'keep' },
        },
        spec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '50Gi' } },
          storageClassName: 'fast-ssd',
        },
      });
      const oidc = sim().get('v1', 'Secret', `${name}-oidc`, NAMESPACE)!;
      const decode = (v: string) => Buffer.from(v, 'base64').toString('utf8');
      const data = oidc.data as Record<string, string>;
      const secrets = [
        decode(data['client-secret']),
        decode(data['cookie-secret']),
      ];
      expect(secrets.every(s => s.length >= 16)).toBe(true);

      const task = await portal.run(
        'ml-tool-decommission',
        {
          instance: `component:default/${CLUSTER}-${NAMESPACE}-${name}`,
          confirmName: name,
          keepData: true,
        },
        PEOPLE.alice,
      );
      seen.push(JSON.stringify(task));
      expect({ status: task.status, log: task.log }).toMatchObject({
        status: 'completed',
      });
      expect(release(name)).toBeUndefined();
      expect(release(`${name}-proxy`)).toBeUndefined();
      expect(await admin(`/clients?clientId=${name}`)).toEqual([]);
      expect(sim().get('v1', 'Secret', `${name}-oidc`, NAMESPACE)).toBe(
        undefined,
      );
      expect(
        sim().get('v1', 'PersistentVolumeClaim', name, NAMESPACE),
      ).toBeDefined();
      expect(task.log).toMatch(
        new RegExp(`PersistentVolumeClaim ${NAMESPACE}/${name}`),
      );

      // The client secret and the cookie secret appear nowhere the portal kept or answered.
      const all = seen.join('\n');
      expect(
        secrets.flatMap(s => forms(s).filter(f => all.includes(f))),
      ).toEqual([]);
    });
  },
);
