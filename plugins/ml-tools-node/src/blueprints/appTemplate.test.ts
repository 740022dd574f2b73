import { appTemplateRelease } from './appTemplate';
import { blueprintParts, createBlueprintContext } from './context';
import { debiaiBlueprint } from './debiai';
import { pixanoBlueprint } from './pixano';
import type { AnyToolBlueprint, BlueprintContext } from './types';

const config = {
  baseDomain: 'ml.example.com',
  ingressScheme: 'https' as const,
  keycloak: {
    baseUrl: 'https://sso.example.com',
    realm: 'ml',
    authRealm: 'ml',
    clientId: 'backstage',
    clientSecret: 'x',
    consoleBaseUrl: 'https://sso.example.com',
    requestTimeoutMs: 1000,
  },
};

function contextOf(
  blueprint: AnyToolBlueprint,
  raw: object,
  roleMappings: Record<string, string[]> = {},
): BlueprintContext<any> {
  return createBlueprintContext(config, {
    blueprint,
    instance: { cluster: 'prod', namespace: 'ml-a', name: 'tool-a' },
    owner: 'group:default/vision',
    params: blueprint.parameters.parse(raw),
    roleMappings,
  });
}

/** The issues of parsing, as `path message`. */
function refusals(blueprint: AnyToolBlueprint, raw: object): string[] {
  const parsed = blueprint.parameters.safeParse(raw);
  return parsed.success
    ? []
    : parsed.error.issues.map(i => `${i.path.join('.')} ${i.message}`);
}

describe.each([pixanoBlueprint, debiaiBlueprint])(
  'the $id blueprint',
  blueprint => {
    it('takes a new volume by default, and an NFS share only with its server and path', () => {
      expect(refusals(blueprint, {})).toEqual([]);
      expect(refusals(blueprint, { storageType: 'nfs' })).toEqual([
        'nfsServer is required when storageType is nfs',
        'nfsPath is required when storageType is nfs',
      ]);
      expect(
        refusals(blueprint, {
          storageType: 'volume',
          nfsServer: 'nfs.local',
        }),
      ).toEqual(['nfsServer is only taken when storageType is nfs']);
      expect(
        refusals(blueprint, {
          storageType: 'nfs',
          nfsServer: 'nfs.local',
          nfsPath: 'relative/path',
          storageClass: 'fast',
        }),
      ).toEqual([
        'nfsPath must be an absolute path such as /exports/vision',
        'storageClass is only taken when storageType is volume',
      ]);
      expect(refusals(blueprint, { storageSize: '20GB' })).toEqual([
        'storageSize must be a size such as 512Mi, 8Gi or 1Ti',
      ]);
    });

    it('puts the tool behind the proxy, which lets in only the mapped groups', () => {
      const role = blueprint.keycloak!.roles[0].name;
      const ctx = contextOf(blueprint, {}, { [role]: ['/b/x', '/a'] });
      const [app, proxy] = blueprintParts(blueprint, ctx);
      expect(app.type === 'release' && app.values.ingress).toBeUndefined();
      expect(proxy.type === 'release' && proxy.values.extraArgs).toEqual(
        expect.arrayContaining(['--allowed-group=/a', '--allowed-group=/b/x']),
      );
      expect(blueprint.health.workloads!(ctx)).toEqual([
        { kind: 'Deployment', name: 'tool-a' },
        { kind: 'Deployment', name: 'tool-a-proxy' },
      ]);
      // The volume is retained by Helm, so decommission decides what becomes of it.
      expect(
        app.type === 'release' && (app.values as any).persistence.data,
      ).toMatchObject({ type: 'persistentVolumeClaim', retain: true });
    });

    it('mounts an NFS share without creating a volume', () => {
      const ctx = contextOf(blueprint, {
        storageType: 'nfs',
        nfsServer: '10.0.0.5',
        nfsPath: '/exports/a',
      });
      const [app] = blueprintParts(blueprint, ctx);
      const data = (app as any).values.persistence.data;
      expect(data).toEqual({
        type: 'nfs',
        server: '10.0.0.5',
        path: '/exports/a',
        globalMounts: [{ path: expect.stringMatching(/^\//) }],
      });
      expect(blueprint.catalog.backingStores(ctx)[0].description).toMatch(
        /NFS share 10\.0\.0\.5:\/exports\/a \(never removed by decommission\)/,
      );
    });
  },
);

describe('appTemplateRelease', () => {
  it('hands a secret to the container by reference, never by value, and opens the host only when asked', () => {
    const ctx = contextOf(pixanoBlueprint, {});
    const release = appTemplateRelease(ctx, {
      image: { repository: 'example/tool', tag: '1.0.0' },
      port: 8080,
      dataPath: '/data',
      storage: { storageType: 'volume', storageSize: '1Gi' },
      env: {
        MODE: 'prod',
        ADMIN_PASSWORD: { secretName: 'tool-a-secrets', key: 'admin-password' },
      },
      ingress: true,
    });
    const container = (release.values as any).controllers.main.containers.main;
    expect(container.env).toEqual({
      MODE: 'prod',
      ADMIN_PASSWORD: {
        valueFrom: {
          secretKeyRef: { name: 'tool-a-secrets', key: 'admin-password' },
        },
      },
    });
    expect((release.values as any).ingress.main.hosts[0].host).toBe(
      'tool-a.ml.example.com',
    );
  });
});
