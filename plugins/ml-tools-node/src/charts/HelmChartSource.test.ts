import { NotFoundError, ServiceUnavailableError } from '@backstage/errors';
import { contractChart } from './__testUtils__/contracts';
import {
  startHelmRepository,
  startOciRegistry,
  startSilentServer,
  type TestServer,
} from './__testUtils__/servers';
import { HelmChartSource } from './HelmChartSource';
import type { ChartFiles } from './types';

// postgresql 17.1.0 stands in for the 18.x the mlflow charts pin (see the contracts README).
const mlflow1115 = () =>
  contractChart('mlflow/1.11.5', {
    postgresql: 'postgresql/17.1.0',
    mysql: 'mysql/14.0.5',
    minio: 'minio/5.4.0',
  });
const mlflow181 = () =>
  contractChart('mlflow/1.8.1', { postgresql: 'postgresql/17.1.0' });

const summary = (c: ChartFiles) => ({
  name: c.name,
  version: c.version,
  hasSchema: Boolean(c.schema),
  dependencies: c.dependencies.map(d => `${d.name}:${d.files?.version ?? '-'}`),
});

describe('HelmChartSource', () => {
  const servers: TestServer[] = [];
  const serve = async (s: Promise<TestServer>) => {
    const server = await s;
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map(s => s.close()));
  });

  it('fetches a pinned chart from an index.yaml repository with its subcharts', async () => {
    const expected = mlflow1115();
    const repo = await serve(
      startHelmRepository([
        { files: expected, packedSubcharts: ['minio'] },
        { files: mlflow181(), absoluteUrl: true },
      ]),
    );
    const source = new HelmChartSource();
    const chart = await source.getChart({
      repositoryUrl: repo.url,
      chart: 'mlflow',
      version: '1.11.5',
    });
    expect(summary(chart)).toEqual({
      name: 'mlflow',
      version: '1.11.5',
      hasSchema: true,
      dependencies: ['postgresql:17.1.0', 'mysql:14.0.5', 'minio:5.4.0'],
    });
    expect(chart.defaults).toEqual(expected.defaults);
    expect(chart.schema).toEqual(expected.schema);
    expect(chart.dependencies.find(d => d.name === 'minio')?.condition).toBe(
      'minio.enabled',
    );
    expect(chart.dependencies[0].files?.defaults).toEqual(
      expected.dependencies[0].files?.defaults,
    );

    // An absolute package URL in the index; the index itself is reused within its TTL.
    const older = await source.getChart({
      repositoryUrl: `${repo.url}/`,
      chart: 'mlflow',
      version: '1.8.1',
    });
    expect(summary(older).version).toBe('1.8.1');
    expect(repo.requests).toEqual([
      '/charts/index.yaml',
      '/charts/packages/mlflow-1.11.5.tgz',
      '/charts/packages/mlflow-1.8.1.tgz',
    ]);
  });

  it('serves a chart again from memory without asking the repository', async () => {
    const repo = await serve(startHelmRepository([{ files: mlflow181() }]));
    const source = new HelmChartSource();
    const ref = { repositoryUrl: repo.url, chart: 'mlflow', version: '1.8.1' };
    const first = await source.getChart(ref);
    const before = repo.requests.length;
    expect(await source.getChart(ref)).toBe(first);
    expect(repo.requests.length).toBe(before);
  });

  it('names chart, version and repository when the version is not published', async () => {
    const repo = await serve(startHelmRepository([{ files: mlflow181() }]));
    const source = new HelmChartSource();
    const err = await source
      .getChart({ repositoryUrl: repo.url, chart: 'mlflow', version: '9.9.9' })
      .catch(e => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toBe(
      `Chart mlflow version 9.9.9 not found in Helm repository ${repo.url} (it has 1.8.1)`,
    );
    await expect(
      source.getChart({
        repositoryUrl: repo.url,
        chart: 'airflow',
        version: '1.0.0',
      }),
    ).rejects.toThrow(
      new NotFoundError(
        `Chart airflow not found in Helm repository ${repo.url}`,
      ),
    );
  });

  it('says which repository cannot be reached', async () => {
    const repo = await startHelmRepository([]);
    await repo.close();
    const err = await new HelmChartSource()
      .getChart({ repositoryUrl: repo.url, chart: 'mlflow', version: '1.8.1' })
      .catch(e => e);
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect(err.message).toContain(
      `Helm repository ${repo.url} cannot be reached`,
    );
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('gives up on a repository that does not answer within the budget', async () => {
    const silent = await serve(startSilentServer());
    const err = await new HelmChartSource({ timeoutMs: 200 })
      .getChart({
        repositoryUrl: silent.url,
        chart: 'mlflow',
        version: '1.8.1',
      })
      .catch(e => e);
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect(err.message).toContain('did not answer in time');
  });

  it('refuses a package that does not match the digest of the index', async () => {
    const repo = await serve(
      startHelmRepository([{ files: mlflow181(), tampered: true }]),
    );
    const err = await new HelmChartSource()
      .getChart({ repositoryUrl: repo.url, chart: 'mlflow', version: '1.8.1' })
      .catch(e => e);
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect(err.message).toBe(
      `The package of chart mlflow 1.8.1 from Helm repository ${repo.url} does not match the digest in its index.yaml; refusing to use it`,
    );
  });

  it('keeps credentials in a repository URL out of its messages', async () => {
    const repo = await startHelmRepository([]);
    await repo.close();
    const withCreds = repo.url.replace('http://', 'http://robot:s3cret@');
    const err = await new HelmChartSource()
      .getChart({ repositoryUrl: withCreds, chart: 'mlflow', version: '1.8.1' })
      .catch(e => e);
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect(err.message).toContain(repo.url);
    expect(err.message).not.toMatch(/s3cret|robot/);
  });

  it('pulls a chart from an OCI registry after the token handshake', async () => {
    const registry = await serve(
      startOciRegistry([
        { files: mlflow1115(), packedSubcharts: ['postgresql'] },
      ]),
    );
    const source = new HelmChartSource();
    const chart = await source.getChart({
      repositoryUrl: registry.url,
      chart: 'mlflow',
      version: '1.11.5',
    });
    expect(summary(chart)).toEqual({
      name: 'mlflow',
      version: '1.11.5',
      hasSchema: true,
      dependencies: ['postgresql:17.1.0', 'mysql:14.0.5', 'minio:5.4.0'],
    });
    expect(registry.requests.map(r => r.split('?')[0])).toEqual([
      '/v2/charts/mlflow/manifests/1.11.5',
      '/token',
      '/v2/charts/mlflow/manifests/1.11.5',
      expect.stringMatching(
        /^\/v2\/charts\/mlflow\/blobs\/sha256:[0-9a-f]{64}$/,
      ),
    ]);
    expect(registry.requests[1]).toContain(
      'scope=repository%3Acharts%2Fmlflow%3Apull',
    );

    const err = await source
      .getChart({
        repositoryUrl: registry.url,
        chart: 'mlflow',
        version: '2.0.0',
      })
      .catch(e => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toBe(
      `Chart mlflow version 2.0.0 not found in OCI registry ${registry.url}`,
    );
  });

  it('refuses an OCI layer that does not match its digest', async () => {
    const registry = await serve(
      startOciRegistry([{ files: mlflow181(), tampered: true }]),
    );
    await expect(
      new HelmChartSource().getChart({
        repositoryUrl: registry.url,
        chart: 'mlflow',
        version: '1.8.1',
      }),
    ).rejects.toThrow(/does not match its digest/);
  });
});
