import { ConfigReader } from '@backstage/config';
import { readMlToolsConfig } from './readMlToolsConfig';
import { namespaceRefusal } from './policy';

const base = {
  clusters: [
    {
      name: 'dev',
      url: 'https://k8s.example.com',
      authProvider: 'serviceAccount',
      serviceAccountToken: 't',
    },
  ],
  keycloak: {
    baseUrl: 'https://sso.example.com',
    realm: 'ml',
    clientId: 'backstage',
    clientSecret: 's',
  },
  deploy: {
    driver: 'flux',
    chartRepositories: [{ name: 'charts', url: 'https://charts.example.com' }],
  },
  namespaces: { allowed: ['ml-*', 'team-*', 'kube-*'] },
  baseDomain: 'ml.example.com',
};

const read = (extra: object = {}) =>
  readMlToolsConfig(new ConfigReader({ mlTools: { ...base, ...extra } }));

describe('instance policy config', () => {
  it('defaults: the base domain only, ml-tools denied, 20 groups per role', () => {
    const config = read();
    expect(config.allowedDomains).toEqual(['ml.example.com']);
    expect(config.namespaces.denied).toEqual(['ml-tools']);
    expect(config.groups).toMatchObject({
      maxPerRole: 20,
      maxDepth: 5,
      maxPathLength: 255,
    });
    expect(Object.isFrozen(config.groups)).toBe(true);
  });

  it('refuses system namespaces even when allowed, and the portal’s own, in words', () => {
    const config = read();
    expect(namespaceRefusal(config, 'kube-system')).toMatch(
      /system namespace \(kube-\*\)/,
    );
    expect(namespaceRefusal(config, 'ml-tools')).toMatch(
      /reserved for the portal itself/,
    );
    expect(namespaceRefusal(config, 'prod')).toMatch(
      /does not match any namespace templates may target/,
    );
    expect(namespaceRefusal(config, 'ml-vision')).toBeUndefined();
  });

  it('names the key of a policy that cannot hold', () => {
    expect(() => read({ allowedDomains: ['other.example.com'] })).toThrow(
      /mlTools\.allowedDomains must include baseDomain "ml\.example\.com"/,
    );
    expect(() => read({ groups: { newGroupPattern: '^[a-z]+$' } })).toThrow(
      /mlTools\.groups\.newGroupRule is required with newGroupPattern/,
    );
    expect(() => read({ groups: { maxPerRole: 0 } })).toThrow(
      /mlTools\.groups\.maxPerRole/,
    );
  });
});
