import { resolve } from 'node:path';
import { defaultContractsDir, repositoryKey, satisfies } from './contracts';
import { ChartRepositories } from './repository';
import { validateReleaseValues } from './values';

const contractsDir = defaultContractsDir(resolve(__dirname, '../../../..'));
const withContracts = contractsDir ? describe : describe.skip;

describe('repositoryKey', () => {
  it('names upstream repositories as their install instructions do', () => {
    expect(
      repositoryKey('https://community-charts.github.io/helm-charts'),
    ).toBe('community-charts');
    expect(repositoryKey('oci://registry-1.docker.io/bitnamicharts')).toBe(
      'bitnami',
    );
    expect(repositoryKey('https://charts.bitnami.com/bitnami')).toBe('bitnami');
    expect(repositoryKey('https://hub.jupyter.org/helm-chart/')).toBe(
      'jupyterhub',
    );
    expect(repositoryKey('https://charts.min.io/')).toBe('minio');
    expect(repositoryKey('https://someone.github.io/charts')).toBe('someone');
    expect(repositoryKey('oci://ghcr.io/org/helm')).toBe('helm');
  });

  it('matches Chart.yaml version constraints', () => {
    expect(satisfies('2.31.10', '2.x.x')).toBe(true);
    expect(satisfies('17.1.0', '18.8.12')).toBe(false);
    expect(satisfies('1.4.2', '^1.2.0')).toBe(true);
    expect(satisfies('1.3.0', '~1.2.0')).toBe(false);
  });
});

withContracts('sandbox chart repositories', () => {
  const repos = new ChartRepositories(contractsDir!);

  it('serves one repository per upstream URL, with byte-stable packages', () => {
    expect(repos.keys()).toEqual(
      expect.arrayContaining(['community-charts', 'bitnami', 'oauth2-proxy']),
    );
    const again = new ChartRepositories(contractsDir!);
    expect(repos.package('community-charts', 'mlflow-1.11.5.tgz')).toEqual(
      again.package('community-charts', 'mlflow-1.11.5.tgz'),
    );
    expect(repos.index('community-charts', 'http://x')).toContain(
      'http://x/charts/community-charts/mlflow-1.11.5.tgz',
    );
  });

  it('maps its own URLs and known upstream URLs to repositories, nothing else', () => {
    repos.addOrigin('http://127.0.0.1:6443');
    expect(repos.keyForUrl('http://localhost:6443/charts/bitnami')).toBe(
      'bitnami',
    );
    expect(
      repos.keyForUrl('http://127.0.0.1:9/charts/bitnami'),
    ).toBeUndefined();
    expect(
      repos.keyForUrl('https://community-charts.github.io/helm-charts'),
    ).toBe('community-charts');
    expect(repos.keyForUrl('https://charts.example.test')).toBeUndefined();
  });

  it("words a missing chart or version as Helm's repository lookup does", () => {
    expect(repos.lookup('community-charts', 'nope', '1.0.0')).toMatchObject({
      found: false,
      message: 'no chart name found: nope',
    });
    expect(repos.lookup('community-charts', 'mlflow', '9.9.9')).toMatchObject({
      found: false,
      message: "no 'mlflow' chart with version matching '9.9.9' found",
    });
  });

  it('refuses the values the issue quotes exactly as Helm 4 prints them', () => {
    const found = repos.lookup('community-charts', 'mlflow', '1.8.1');
    if (!found.found) throw new Error(found.message);
    expect(
      validateReleaseValues(found.chart, {
        minio: { enabled: true },
        postgresql: { enabled: true },
        backendStore: { postgres: { enabled: true } },
      }),
    ).toBe(
      [
        "values don't meet the specifications of the schema(s) in the following chart(s):",
        'mlflow:',
        "- at '': additional properties 'minio' not allowed",
        "- at '': 'allOf' failed",
        "  - at '/postgresql/enabled': value must be false",
        "  - at '/backendStore/postgres/enabled': value must be false",
      ].join('\n'),
    );
  });

  it("checks an enabled subchart's values against its own schema, a disabled one not at all", () => {
    const found = repos.lookup('community-charts', 'mlflow', '1.11.5');
    if (!found.found) throw new Error(found.message);
    const bad = { mysql: { enabled: true, architecture: 'triple' } };
    expect(validateReleaseValues(found.chart, bad)).toContain('\nmysql:\n');
    expect(
      validateReleaseValues(found.chart, {
        mysql: { enabled: false, architecture: 'triple' },
      }) ?? '',
    ).not.toContain('\nmysql:\n');
  });
});

withContracts('charts served without contract data', () => {
  const repos = new ChartRepositories(contractsDir!, [
    {
      repository: 'apache-airflow',
      name: 'airflow',
      version: '1.15.0',
      checkedElsewhere: 'helm template against the chart sources',
    },
    // Contract data exists for this one: the stand-in is ignored.
    { repository: 'bitnami', name: 'postgresql', version: '17.1.0' },
  ]);

  it('serves a stand-in that says its values are not checked, and checks nothing', () => {
    expect(repos.keys()).toContain('apache-airflow');
    expect(
      repos.index('apache-airflow', 'http://x')!.replace(/\s+/g, ' '),
    ).toContain('values are not schema-checked here');
    const found = repos.lookup('apache-airflow', 'airflow', '1.15.0');
    if (!found.found) throw new Error(found.message);
    expect(found.chart.chart.meta.annotations).toEqual({
      'ml-platform.sandbox/values-checked': 'false',
    });
    expect(
      validateReleaseValues(found.chart, { anything: { at: ['all'] } }),
    ).toBeUndefined();
    expect(repos.lookup('apache-airflow', 'airflow', '1.16.0').found).toBe(
      false,
    );
  });

  it('never replaces contract data with a stand-in', () => {
    const found = repos.lookup('bitnami', 'postgresql', '17.1.0');
    if (!found.found) throw new Error(found.message);
    expect(found.chart.chart.schema).toBeDefined();
    expect(
      validateReleaseValues(found.chart, { auth: { enablePostgresUser: 'x' } }),
    ).toMatch(/postgresql/);
  });
});
