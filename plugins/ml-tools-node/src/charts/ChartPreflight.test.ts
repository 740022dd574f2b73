import { ConfigReader } from '@backstage/config';
import {
  InputError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { readMlToolsConfig } from '../config/readMlToolsConfig';
import { contractChart } from './__testUtils__/contracts';
import { recordingLogger } from './__testUtils__/logger';
import {
  startHelmRepository,
  startOciRegistry,
  type TestServer,
} from './__testUtils__/servers';
import { ChartPreflight, type PreflightRelease } from './ChartPreflight';

// postgresql 17.1.0 stands in for the 18.x the mlflow charts pin (see the contracts README).
const mlflow181 = contractChart('mlflow/1.8.1', {
  postgresql: 'postgresql/17.1.0',
  mysql: 'mysql/14.0.5',
});
// Its schema is a bare $ref to the bjw-s common library's schema by URL.
const appTemplate = contractChart('app-template/4.1.1');
const mlflow1115 = contractChart('mlflow/1.11.5', {
  postgresql: 'postgresql/17.1.0',
  mysql: 'mysql/14.0.5',
  minio: 'minio/5.4.0',
});

function configWith(repositories: Record<string, string>, preflight?: object) {
  return readMlToolsConfig(
    new ConfigReader({
      mlTools: {
        clusters: [{ name: 'sandbox', authProvider: 'inCluster' }],
        keycloak: {
          baseUrl: 'https://sso.example.com',
          realm: 'ml',
          clientId: 'backstage',
          clientSecret: 'x',
        },
        deploy: {
          driver: 'flux',
          chartRepositories: Object.entries(repositories).map(
            ([name, url]) => ({ name, url }),
          ),
          ...(preflight ? { preflight } : {}),
        },
        namespaces: { allowed: ['ml-*'] },
        baseDomain: 'ml.example.com',
      },
    }),
  );
}

const release = (
  version: string,
  values: PreflightRelease['values'],
  repository = 'community-charts',
): PreflightRelease => ({
  name: 'tracking',
  chart: { repository, chart: 'mlflow', version },
  values,
});

describe('ChartPreflight', () => {
  let repo: TestServer;
  let registry: TestServer;
  beforeAll(async () => {
    repo = await startHelmRepository([
      { files: mlflow181 },
      { files: mlflow1115, packedSubcharts: ['minio'] },
      { files: appTemplate },
    ]);
    registry = await startOciRegistry([{ files: mlflow1115 }]);
  });
  afterAll(async () => {
    await repo.close();
    await registry.close();
  });
  beforeEach(() => {
    repo.requests.length = 0;
    registry.requests.length = 0;
  });

  const preflight = (preflightConfig?: object) => {
    const { logger, lines } = recordingLogger();
    const config = configWith(
      { 'community-charts': repo.url, bitnami: registry.url },
      preflightConfig,
    );
    return { lines, preflight: ChartPreflight.fromConfig(config, { logger }) };
  };

  it('passes values the chart accepts and says so in the log', async () => {
    const { lines, preflight: p } = preflight();
    const taskLog = recordingLogger();
    await p.check(
      [
        release('1.11.5', {
          minio: {
            enabled: true,
            rootUser: 'admin',
            rootPassword: 'pw-123456',
          },
        }),
        release('1.11.5', { postgresql: { enabled: true } }, 'bitnami'),
      ],
      { logger: taskLog.logger },
    );
    expect(taskLog.lines).toEqual([
      `info: Values of release tracking checked against chart mlflow 1.11.5 from ${repo.url}`,
      `info: Values of release tracking checked against chart mlflow 1.11.5 from ${registry.url}`,
    ]);
    expect(lines).toEqual([]);
  });

  describe('a chart whose schema refers outside its package', () => {
    const appRelease = (valuesCheckedBy?: string): PreflightRelease => ({
      name: 'annotate',
      chart: {
        repository: 'community-charts',
        chart: 'app-template',
        version: '4.1.1',
      },
      values: { controllers: { main: {} } },
      ...(valuesCheckedBy ? { valuesCheckedBy } : {}),
    });
    const remote =
      'https://raw.githubusercontent.com/bjw-s-labs/helm-charts/common-4.1.1/charts/library/common/values.schema.json';

    it('refuses it when nothing says how its values were checked', async () => {
      const { preflight: p } = preflight();
      const error = await p.check([appRelease()]).catch(e => e);
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toBe(
        `Release annotate: The values.schema.json of chart app-template 4.1.1 cannot be used to check values: it refers to ${remote}, outside the chart package, which the preflight does not fetch`,
      );
    });

    it('leaves it to Helm and says how the values were checked instead', async () => {
      const { preflight: p } = preflight();
      const taskLog = recordingLogger();
      await p.check([appRelease('helm template in check:charts')], {
        logger: taskLog.logger,
      });
      expect(taskLog.lines).toEqual([
        `warn: Values of release annotate were not checked against chart app-template 4.1.1 from ${repo.url}: its schema refers to ${remote}, outside the package, which Helm fetches when it installs the release; they were checked by helm template in check:charts`,
      ]);
    });

    it('still refuses the other releases of the same check', async () => {
      const { preflight: p } = preflight();
      const error = await p
        .check([
          appRelease('helm template in check:charts'),
          release('1.8.1', { minio: { enabled: true } }),
        ])
        .catch(e => e);
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toContain('Release tracking: chart mlflow 1.8.1');
      expect(error.message).not.toContain('annotate');
    });
  });

  it('refuses MinIO values on 1.8.1 and names release, chart, version and path', async () => {
    const { preflight: p } = preflight();
    const err = await p
      .check([release('1.8.1', { minio: { enabled: true } })])
      .catch(e => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(
      [
        `Release tracking: chart mlflow 1.8.1 from ${repo.url} refuses its values. values don't meet the specifications of the schema(s) in the following chart(s):`,
        'mlflow:',
        "- at '/minio': additional properties 'minio' not allowed",
      ].join('\n'),
    );
  });

  it('names both values of the 1.8.1 one-database rule', async () => {
    const { preflight: p } = preflight();
    await expect(
      p.check([
        release('1.8.1', {
          postgresql: {
            enabled: true,
            auth: { username: 'mlflow', password: 'pw' },
          },
          backendStore: { postgres: { enabled: true, host: 'db' } },
        }),
      ]),
    ).rejects.toThrow(
      [
        "- at '/postgresql/enabled': value must be false when /backendStore/postgres/enabled is true",
        "- at '/backendStore/postgres/enabled': value must be false when /postgresql/enabled is true",
      ].join('\n'),
    );
  });

  it('names a subchart violation under the subchart', async () => {
    const { preflight: p } = preflight();
    await expect(
      p.check([
        release('1.11.5', {
          postgresql: { enabled: true, auth: { enablePostgresUser: 'yes' } },
        }),
      ]),
    ).rejects.toThrow(
      "postgresql:\n- at '/postgresql/auth/enablePostgresUser': got string, want boolean",
    );
  });

  it('does not pass silently when the repository cannot be reached', async () => {
    const gone = await startHelmRepository([]);
    await gone.close();
    const p = ChartPreflight.fromConfig(
      configWith({ 'community-charts': gone.url }),
      {
        logger: recordingLogger().logger,
      },
    );
    const err = await p.check([release('1.8.1', {})]).catch(e => e);
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect(err.message).toContain(
      `Helm repository ${gone.url} cannot be reached`,
    );
  });

  it('names chart, version and repository of a version that does not exist', async () => {
    const { preflight: p } = preflight();
    const err = await p.check([release('1.99.0', {})]).catch(e => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toContain(
      `Chart mlflow version 1.99.0 not found in Helm repository ${repo.url}`,
    );
  });

  it('refuses a repository name that config does not define', async () => {
    const { preflight: p } = preflight();
    await expect(p.check([release('1.8.1', {}, 'elsewhere')])).rejects.toThrow(
      new InputError(
        'Release tracking names chart repository "elsewhere", which is not configured under mlTools.deploy.chartRepositories (configured: community-charts, bitnami)',
      ),
    );
  });

  it('checks a second time without asking the repository again', async () => {
    const { preflight: p } = preflight();
    await p.check([release('1.8.1', {})]);
    const first = repo.requests.length;
    expect(first).toBeGreaterThan(0);
    await expect(p.check([release('1.8.1', { minio: {} })])).rejects.toThrow(
      /'\/minio'/,
    );
    await p.check([release('1.8.1', { replicaCount: 2 })]);
    expect(repo.requests.length).toBe(first);
  });

  it('when turned off, fetches nothing and says the values were not checked', async () => {
    const { lines, preflight: p } = preflight({ enabled: false });
    await p.check([release('1.8.1', { minio: { enabled: true } })]);
    expect(repo.requests).toEqual([]);
    expect(lines).toEqual([
      'warn: Values of release tracking were not checked against chart mlflow 1.8.1: the chart preflight is turned off (mlTools.deploy.preflight.enabled)',
    ]);
  });

  it('does not judge values the release fills from Secrets at install time', async () => {
    const { preflight: p } = preflight();
    const fromSecret = {
      ...release('1.11.5', {}),
      valuesFrom: [{ targetPath: 'image.digest' }],
    };
    // A placeholder stands in (image.digest has a pattern it cannot meet); the real value is
    // only known to the release controller.
    await p.check([fromSecret]);
    await expect(
      p.check([
        { ...fromSecret, values: { image: { pullPolicy: 'Sometimes' } } },
      ]),
    ).rejects.toThrow(
      "- at '/image/pullPolicy': value must be one of 'IfNotPresent', 'Never', 'Always'",
    );
  });

  it('reads the preflight settings with their defaults', () => {
    expect(configWith({ a: repo.url }).deploy.preflight).toEqual({
      enabled: true,
      timeoutMs: 30000,
    });
    expect(
      configWith({ a: repo.url }, { timeoutMs: 5000 }).deploy.preflight,
    ).toEqual({
      enabled: true,
      timeoutMs: 5000,
    });
    expect(() => configWith({ a: repo.url }, { timeoutMs: -1 })).toThrow(
      /mlTools\.deploy\.preflight\.timeoutMs/,
    );
  });
});
