/*
 * Every built-in blueprint against the upstream contracts of the charts it pins
 * (`../shared/contracts`, or ML_PLATFORM_CONTRACTS_DIR), over a matrix of inputs: defaults,
 * every option on and off, each choice, smallest, largest, the longest instance name,
 * several role mappings, on both deploy drivers. Per blueprint and pinned chart:
 *   - contract data: the chart version has contract data, or the blueprint says in
 *     `valuesCheckedBy` how its values were checked instead (printed);
 *   - values schema: the values pass the chart's values.schema.json, subcharts' values
 *     theirs (the product's preflight check, as Helm merges and validates);
 *   - value paths: every value set is defined in the chart's (or subchart's) defaults,
 *     read by its templates, or under a free-form map;
 *   - deploy drivers: what the release reads from Secrets reaches it on each driver.
 */
import {
  builtInBlueprints,
  type AnyToolBlueprint,
} from '@ml-platform/plugin-ml-tools-node';
import { checkBlueprintCharts, type CheckResult } from './charts/checks';
import { Contracts } from './charts/contracts';
import { DEFAULT_INSTANCE_NAME } from './charts/releases';

/**
 * Checks known to fail today, each to be removed with its fix (a listed check that passes
 * fails the suite, so the list cannot go stale). The MLflow blueprint pins mlflow 1.8.1,
 * whose schema refuses `minio` and the postgresql subchart together with
 * `backendStore.postgres`, and which has no `minio` at all.
 */
const KNOWN_BROKEN: readonly string[] = [
  // The jupyterhub chart takes its cookie secret, proxy token and auth-state key only
  // as values (or draws new ones through a cluster lookup, which Argo CD's rendering
  // does not do: the hub and proxy would fall out of step at each refresh). The
  // blueprint passes them by Flux valuesFrom, and deploy refuses it under Argo CD with
  // a 4xx naming the driver; remove when the model can hand an Application a Secret.
  'jupyterhub › jupyterhub 4.4.0 › deploy drivers',
];

const contracts = Contracts.read();

/** The problems in words ('' when there are none), notes printed on the way. */
function problems(result: CheckResult): string {
  if (result.notes.length) {
    console.info(`${result.key}:\n  ${result.notes.join('\n  ')}`);
  }
  return result.issues.length
    ? `${result.key}: ${
        result.issues.length
      } problem(s)\n  ${result.issues.join('\n  ')}`
    : '';
}

describe('chart contracts', () => {
  it('reads the contracts folder', () => {
    expect({ dir: contracts.dir, empty: contracts.empty }).toEqual({
      dir: contracts.dir,
      empty: false,
    });
  });

  const seen = new Set<string>();
  for (const blueprint of builtInBlueprints) {
    describe(`blueprint ${blueprint.id}`, () => {
      let results: CheckResult[];
      try {
        results = checkBlueprintCharts(blueprint, contracts);
      } catch (e) {
        it('runs the checks', () => {
          expect(() => {
            throw e;
          }).not.toThrow();
        });
        return;
      }
      for (const result of results) {
        seen.add(result.key);
        if (KNOWN_BROKEN.includes(result.key)) {
          it.failing(`${result.key}`, () => expect(problems(result)).toBe(''));
        } else {
          it(`${result.key}`, () => expect(problems(result)).toBe(''));
        }
      }
    });
  }

  it('lists in KNOWN_BROKEN only checks that exist', () => {
    expect(KNOWN_BROKEN.filter(key => !seen.has(key))).toEqual([]);
  });
});

/** A blueprint of one release with the values given, as a test double. */
function madeUp(
  chart: { chart: string; version: string },
  values: Record<string, unknown>,
  extra: Partial<AnyToolBlueprint> = {},
): AnyToolBlueprint {
  return {
    id: 'made-up',
    title: 'Made-up tool',
    description: 'A blueprint that exists only in this test',
    category: 'test',
    icon: 'experiment',
    parameters: {
      parse: (p: unknown) => p,
      safeParse: (p: unknown) => ({ success: true, data: p }),
    } as any,
    secrets: [],
    parts: ctx => [
      {
        type: 'release',
        name: ctx.instance.name,
        component: 'main',
        chart: { repository: 'test', ...chart },
        values: values as any,
      },
    ],
    health: {},
    links: () => [],
    catalog: { backingStores: () => [] },
    ...extra,
  } as AnyToolBlueprint;
}

const oneCase = [
  {
    label: 'defaults',
    instanceName: DEFAULT_INSTANCE_NAME,
    params: {},
    roleMappings: {},
    driver: 'flux' as const,
  },
];

function issuesOf(blueprint: AnyToolBlueprint, kind: string): string[] {
  const result = checkBlueprintCharts(blueprint, contracts, oneCase).find(r =>
    r.key.endsWith(`› ${kind}`),
  );
  return result?.issues ?? [];
}

describe('a blueprint with one wrong value', () => {
  it('fails the schema check, naming the chart, its version and the value path', () => {
    const wrong = madeUp(
      { chart: 'mlflow', version: '1.11.5' },
      { replicaCount: 'two' },
    );
    const issues = issuesOf(wrong, 'values schema');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(
      /chart mlflow 1\.11\.5 refuses the value at '\/replicaCount'/,
    );
  });

  it('fails the schema check of a subchart, naming the subchart', () => {
    const wrong = madeUp(
      { chart: 'mlflow', version: '1.11.5' },
      { postgresql: { enabled: true, auth: { enablePostgresUser: 'yes' } } },
    );
    expect(issuesOf(wrong, 'values schema').join('\n')).toMatch(
      /chart postgresql 17\.1\.0 refuses the value at '\/postgresql\/auth\/enablePostgresUser'/,
    );
  });

  it('fails the value-path check for a setting that does nothing', () => {
    const wrong = madeUp(
      { chart: 'oauth2-proxy', version: '7.8.1' },
      {
        podLabels: { team: 'a' },
        ingress: { enabled: true, hostz: ['a.example.com'] },
      },
    );
    const issues = issuesOf(wrong, 'value paths');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(
      /chart oauth2-proxy 7\.8\.1: value path ingress\.hostz is a setting that does nothing/,
    );
  });

  it('passes when the value is right', () => {
    const right = madeUp(
      { chart: 'oauth2-proxy', version: '7.8.1' },
      {
        podLabels: { team: 'a' },
        ingress: { enabled: true, hosts: ['a.example.com'] },
      },
    );
    const results = checkBlueprintCharts(right, contracts, oneCase);
    expect(results.flatMap(r => r.issues)).toEqual([]);
  });
});

describe('a blueprint pinned to a chart version without contract data', () => {
  it('fails, naming what is missing', () => {
    const unknown = madeUp({ chart: 'airflow', version: '1.15.0' }, {});
    expect(issuesOf(unknown, 'contract data').join('\n')).toMatch(
      /no contract data for chart airflow 1\.15\.0 .*declare in the blueprint's valuesCheckedBy/,
    );
  });

  it('passes with a note when the blueprint says how its values were checked', () => {
    const declared = madeUp(
      { chart: 'airflow', version: '1.15.0' },
      {},
      { valuesCheckedBy: 'helm template against apache/airflow chart/ 1.15.0' },
    );
    const results = checkBlueprintCharts(declared, contracts, oneCase);
    expect(results.flatMap(r => r.issues)).toEqual([]);
    expect(results.flatMap(r => r.notes).join('\n')).toMatch(
      /checked this way instead: helm template against apache\/airflow/,
    );
  });
});

describe('a blueprint on a chart whose schema and templates live in a dependency without contract data', () => {
  const appValues = { controllers: { main: { containers: {} } } };
  const appTemplate = { chart: 'app-template', version: '4.1.1' };

  it('fails the schema and value-path checks when it does not say how its values were checked', () => {
    const silent = madeUp(appTemplate, appValues);
    expect(issuesOf(silent, 'values schema').join('\n')).toMatch(
      /refers to https:\/\/raw\.githubusercontent\.com\/bjw-s-labs\/.*declare in the blueprint's valuesCheckedBy/,
    );
    expect(issuesOf(silent, 'value paths').join('\n')).toMatch(
      /chart app-template 4\.1\.1: value path controllers is a setting that does nothing/,
    );
  });

  it('passes with notes naming how they were checked when it says so', () => {
    const declared = madeUp(appTemplate, appValues, {
      valuesCheckedBy: 'helm template with the common library',
    });
    const results = checkBlueprintCharts(declared, contracts, oneCase);
    expect(results.flatMap(r => r.issues)).toEqual([]);
    const notes = results.flatMap(r => r.notes).join('\n');
    expect(notes).toMatch(/its dependency common has no contract data/);
    expect(notes).toMatch(
      /checked this way instead: helm template with the common library/,
    );
  });
});
