import { ConfigReader } from '@backstage/config';
import { isNamespaceAllowed, readMlToolsConfig } from './readMlToolsConfig';

const valid = {
  clusters: [
    {
      name: 'sandbox',
      url: 'https://127.0.0.1:6443',
      authProvider: 'serviceAccount',
      serviceAccountToken: 's3cr3t-token',
    },
    { name: 'prod', authProvider: 'inCluster' },
  ],
  keycloak: {
    baseUrl: 'https://sso.example.com/',
    realm: 'ml-platform',
    clientId: 'backstage',
    clientSecret: 'kc-s3cr3t',
  },
  deploy: {
    driver: 'flux',
    chartRepositories: [
      {
        name: 'community-charts',
        url: 'https://community-charts.github.io/helm-charts',
      },
      { name: 'bitnami', url: 'oci://registry-1.docker.io/bitnamicharts' },
    ],
  },
  namespaces: { allowed: ['ml-*', 'team-*'] },
  pullSecret: { namespace: 'registry', name: 'regcred' },
  baseDomain: 'ml.example.com',
};

const read = (mlTools: unknown) =>
  readMlToolsConfig(new ConfigReader({ mlTools } as any));

describe('readMlToolsConfig', () => {
  it('parses the config once into frozen typed objects with defaults', () => {
    const config = read(valid);
    expect(config.clusters[0]).toMatchObject({
      name: 'sandbox',
      skipTLSVerify: false,
      requestTimeoutMs: 30000,
    });
    expect(config.keycloak).toMatchObject({
      baseUrl: 'https://sso.example.com',
      authRealm: 'ml-platform',
      consoleBaseUrl: 'https://sso.example.com',
    });
    expect(config.deploy.chartRepositories.map(r => r.type)).toEqual([
      'default',
      'oci',
    ]);
    expect(config.deploy.argocd.namespace).toBe('argocd');
    expect(config.pullSecret?.targetName).toBe('regcred');
    expect(config.ingressScheme).toBe('https');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.clusters[0])).toBe(true);
  });

  it('reads the repository app-config block', () => {
    const yaml = require('yaml');
    const fs = require('node:fs');
    const path = require('node:path');
    const appConfig = yaml.parse(
      fs.readFileSync(
        path.resolve(__dirname, '../../../../app-config.yaml'),
        'utf8',
      ),
    );
    const substituted = JSON.parse(
      JSON.stringify(appConfig.mlTools).replace(
        /\$\{[A-Z0-9_]+:-([^}]*)\}/g,
        '$1',
      ),
    );
    const config = read(substituted);
    expect(config.clusters[0].name).toBe('sandbox');
    expect(config.keycloak.realm).toBe('ml-platform');
  });

  it.each([
    [{ clusters: [] }, /mlTools\.clusters must list at least one cluster/],
    [
      {
        clusters: [
          { name: 'a', authProvider: 'serviceAccount', url: 'https://a' },
        ],
      },
      /mlTools\.clusters\[0\]\.serviceAccountToken is required/,
    ],
    [
      { clusters: [{ name: 'A B', authProvider: 'inCluster' }] },
      /mlTools\.clusters\[0\]\.name/,
    ],
    [
      { clusters: [valid.clusters[1], valid.clusters[1]] },
      /mlTools\.clusters\[1\]\.name duplicates/,
    ],
    [
      { keycloak: { ...valid.keycloak, baseUrl: 'nope' } },
      /mlTools\.keycloak\.baseUrl must be an absolute URL/,
    ],
    [
      { deploy: { ...valid.deploy, driver: 'helm' } },
      /mlTools\.deploy\.driver/,
    ],
    [
      { namespaces: { allowed: ['Kube/*'] } },
      /mlTools\.namespaces\.allowed\[0\]/,
    ],
  ])('fails fast naming the key: %j', (patch, message) => {
    expect(() => read({ ...valid, ...patch })).toThrow(message);
  });

  it('never puts a secret value in its errors', () => {
    const attempt = () =>
      read({
        ...valid,
        keycloak: { ...valid.keycloak, baseUrl: 42 },
        clusters: [{ ...valid.clusters[0], url: 7 }],
      });
    expect(attempt).toThrow(/mlTools\.keycloak\.baseUrl/);
    expect(attempt).not.toThrow(/kc-s3cr3t|s3cr3t-token/);
  });

  it('requires the block', () => {
    expect(() => readMlToolsConfig(new ConfigReader({}))).toThrow(/mlTools/);
  });

  it('matches namespaces against the allowed patterns', () => {
    const config = read(valid);
    expect(isNamespaceAllowed(config, 'ml-vision')).toBe(true);
    expect(isNamespaceAllowed(config, 'team-a-b')).toBe(true);
    expect(isNamespaceAllowed(config, 'ml')).toBe(false);
    expect(isNamespaceAllowed(config, 'kube-system')).toBe(false);
    expect(isNamespaceAllowed(config, 'xml-a')).toBe(false);
  });
});
