import type { JsonObject } from '@backstage/types';
import { authProxyRelease } from './authProxy';
import { blueprintParts, createBlueprintContext } from './context';
import { minioBlueprint } from './minio';
import { protectServiceBlueprint } from './protectService';
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
  params: JsonObject,
  roleMappings: Record<string, string[]> = {},
): BlueprintContext<any> {
  return createBlueprintContext(config, {
    blueprint,
    instance: { cluster: 'prod', namespace: 'ml-a', name: 'store' },
    owner: 'group:default/vision',
    params: blueprint.parameters.parse(params),
    roleMappings,
  });
}

describe('the MinIO blueprint', () => {
  it('refuses bad buckets, duplicate names, named policies shadowing MinIO’s own, and too few servers', () => {
    const refusal = (params: JsonObject) => {
      const parsed = minioBlueprint.parameters.safeParse(params);
      return parsed.success ? '' : parsed.error.issues[0].message;
    };
    expect(refusal({ buckets: [{ name: 'Bad_Name' }] })).toMatch(
      /lower case letters, digits or dashes/,
    );
    expect(refusal({ buckets: [{ name: 'abc' }, { name: 'abc' }] })).toBe(
      'bucket names must be unique',
    );
    expect(
      refusal({
        policies: [{ name: 'readonly', buckets: ['abc'], access: 'read' }],
      }),
    ).toMatch(/must not be one of MinIO's own policies/);
    expect(refusal({ mode: 'distributed', servers: 2 })).toMatch(
      /at least 4 servers/,
    );
    expect(refusal({})).toBe('');
  });

  it('standalone: its own volume claim as a part, the release reading it; distributed: a StatefulSet with per-server claims', () => {
    const standalone = contextOf(minioBlueprint, {});
    const parts = blueprintParts(minioBlueprint, standalone);
    expect(parts.map(p => [p.type, p.component])).toEqual([
      ['release', 'main'],
      ['object', 'data'],
    ]);
    const values = (parts[0] as any).values;
    expect(values.persistence.existingClaim).toBe('store-data');
    expect(minioBlueprint.decommission?.keepWithData).toEqual(['data']);
    expect(minioBlueprint.health.workloads!(standalone)).toEqual([
      { kind: 'Deployment', name: 'store' },
    ]);

    const distributed = contextOf(minioBlueprint, {
      mode: 'distributed',
      servers: 6,
    });
    const dParts = blueprintParts(minioBlueprint, distributed);
    expect(dParts).toHaveLength(1);
    expect((dParts[0] as any).values).toMatchObject({
      mode: 'distributed',
      replicas: 6,
    });
    expect((dParts[0] as any).values.persistence.existingClaim).toBeUndefined();
    expect(minioBlueprint.health.workloads!(distributed)).toEqual([
      { kind: 'StatefulSet', name: 'store' },
    ]);
    expect(minioBlueprint.decommission?.dataClaimSelectors?.('store')).toEqual([
      'app=minio,release=store',
    ]);
  });

  it('hands the chart no credential: root and client secrets by Secret reference, no default user', () => {
    const ctx = contextOf(minioBlueprint, {});
    const values = (blueprintParts(minioBlueprint, ctx)[0] as any).values;
    expect(values).not.toHaveProperty('rootUser');
    expect(values).not.toHaveProperty('rootPassword');
    expect(values.users).toEqual([]);
    expect(values.existingSecret).toBe('store-secrets');
    expect(values.oidc).not.toHaveProperty('clientSecret');
    expect(values.oidc.existingClientSecretName).toBe('store-oidc');
  });

  it('maps the policy claim from the client roles of its own client, and turns named policies into roles with their groups', () => {
    const ctx = contextOf(minioBlueprint, {});
    const [mapper] = minioBlueprint.keycloak!.clients[0].protocolMappers!(ctx);
    expect(mapper.config).toMatchObject({
      'claim.name': 'policy',
      'usermodel.clientRoleMapping.clientId': 'store',
      multivalued: 'true',
    });
    const params = minioBlueprint.parameters.parse({
      policies: [
        {
          name: 'raw-read',
          buckets: ['raw', 'curated'],
          access: 'read',
          groups: ['group:default/analysts'],
        },
      ],
    });
    expect(minioBlueprint.keycloak!.parameterRoles!(params)).toEqual([
      {
        name: 'raw-read',
        description: 'Reads the objects of raw, curated',
        groups: ['group:default/analysts'],
      },
    ]);
  });

  it('opens the S3 API on its own host only when asked', () => {
    const open = contextOf(minioBlueprint, {});
    const closed = contextOf(minioBlueprint, { exposeS3Api: false });
    const s3 = (ctx: BlueprintContext<any>) =>
      minioBlueprint.links(ctx).find(l => l.title === 'S3 endpoint')!.url;
    expect(s3(open)).toBe('https://store-s3.ml.example.com');
    expect(s3(closed)).toBe('http://store.ml-a.svc:9000');
    expect(
      (blueprintParts(minioBlueprint, closed)[0] as any).values.ingress,
    ).toEqual({ enabled: false });
  });
});

describe('the protect-service blueprint', () => {
  const ctx = contextOf(
    protectServiceBlueprint,
    { service: 'label-studio', port: 8080 },
    { access: ['/vision', '/analysts'] },
  );
  const [serviceCheck, nameCheck] = protectServiceBlueprint.preconditions!(ctx);

  it('needs the Service, with the port', () => {
    expect(serviceCheck.field).toBe('input.parameters.service');
    expect(serviceCheck.check(undefined)).toBe(
      'no such Service in the namespace',
    );
    const service = (ports: number[]) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'label-studio' },
      spec: { ports: ports.map(port => ({ port })) },
    });
    expect(serviceCheck.check(service([80, 8080]))).toBeUndefined();
    expect(serviceCheck.check(service([80]))).toBe(
      'the Service has no port 8080 (it has 80)',
    );
  });

  it("refuses to take over a Service of the proxy's name that Helm did not make for it", () => {
    expect(nameCheck.check(undefined)).toBeUndefined();
    expect(
      nameCheck.check({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: 'store',
          annotations: { 'meta.helm.sh/release-name': 'store' },
        },
      }),
    ).toBeUndefined();
    expect(
      nameCheck.check({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'store' },
      }),
    ).toMatch(/would replace an existing Service/);
  });

  it('is the auth proxy building block as the main part, in front of the Service', () => {
    const [part] = blueprintParts(protectServiceBlueprint, ctx);
    expect(part).toEqual(
      authProxyRelease(ctx, {
        upstream: 'http://label-studio.ml-a.svc.cluster.local:8080',
        allowedGroups: ['/analysts', '/vision'],
        component: 'main',
      }),
    );
    expect(part.component).toBe('main');
  });
});

describe('the auth proxy building block', () => {
  const ctx = contextOf(
    protectServiceBlueprint,
    { service: 'app', port: 80 },
    {},
  );

  it('defaults to oauth2-proxy as an `auth-proxy` part, and deploys gatekeeper with the secrets as environment references', () => {
    const oauth2 = authProxyRelease(ctx, {
      upstream: 'http://app:80',
      allowedGroups: [],
    });
    expect(oauth2.component).toBe('auth-proxy');
    expect(oauth2.name).toBe('store-proxy');
    // As the instance itself, named after it like every first part.
    expect(
      authProxyRelease(ctx, {
        upstream: 'http://app:80',
        allowedGroups: [],
        component: 'main',
      }).name,
    ).toBe('store');
    expect(oauth2.chart.chart).toBe('oauth2-proxy');
    const gatekeeper = authProxyRelease(ctx, {
      upstream: 'http://app:80',
      allowedGroups: ['/b', '/a', '/a'],
      proxy: 'gatekeeper',
    });
    expect(gatekeeper.chart).toEqual({
      repository: 'gogatekeeper',
      chart: 'gatekeeper',
      version: '0.1.64',
    });
    const values = gatekeeper.values as any;
    expect(values.extraArgs).toContain('--resources=uri=/*|groups=/a,/b');
    expect(
      values.extraEnvVars.map(
        (e: any) =>
          `${e.name}=${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`,
      ),
    ).toEqual([
      'PROXY_CLIENT_ID=store-oidc/client-id',
      'PROXY_CLIENT_SECRET=store-oidc/client-secret',
      'PROXY_ENCRYPTION_KEY=store-oidc/cookie-secret',
    ]);
    // With no groups, everyone with a realm account passes.
    expect(
      (
        authProxyRelease(ctx, {
          upstream: 'http://app:80',
          allowedGroups: [],
          proxy: 'gatekeeper',
        }).values as any
      ).extraArgs,
    ).toContain('--resources=uri=/*');
  });
});
