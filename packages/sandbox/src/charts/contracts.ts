import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isObject, JsonObject } from '../kubernetes/json';

/**
 * The Helm repository names the sandbox serves, keyed by the upstream URL a contract
 * chart names in `chart.json` (`helmRepository`). The names are the ones the charts'
 * own install instructions use with `helm repo add`, so that app-config can keep them.
 * Bitnami's classic HTTP URL and its OCI registry are the same charts.
 */
const KNOWN_REPOSITORIES: Record<string, string> = {
  'https://community-charts.github.io/helm-charts': 'community-charts',
  'https://oauth2-proxy.github.io/manifests': 'oauth2-proxy',
  'oci://registry-1.docker.io/bitnamicharts': 'bitnami',
  'https://charts.bitnami.com/bitnami': 'bitnami',
  'https://hub.jupyter.org/helm-chart': 'jupyterhub',
  'https://codecentric.github.io/helm-charts': 'codecentric',
  'https://bjw-s-labs.github.io/helm-charts': 'bjw-s',
  'https://charts.min.io': 'minio',
  'https://gogatekeeper.github.io/helm-gogatekeeper': 'gogatekeeper',
  'https://dandydeveloper.github.io/charts': 'dandydeveloper',
};

/**
 * The sandbox repository key of an upstream Helm repository URL: a known name, else the
 * GitHub Pages owner (`<owner>.github.io/...`), else the last path segment of an OCI
 * registry, else the host with dots as dashes.
 *
 * @public
 */
export function repositoryKey(url: string): string {
  const normalized = url.trim().replace(/\/+$/, '');
  const known = KNOWN_REPOSITORIES[normalized];
  if (known) return known;
  const m = /^[a-z]+:\/\/([^/]+)(\/.*)?$/i.exec(normalized);
  if (!m) return normalized.replace(/[^a-z0-9-]+/gi, '-').toLowerCase();
  const host = m[1].toLowerCase();
  const pages = /^([^.]+)\.github\.io$/.exec(host);
  if (pages) return pages[1];
  const segments = (m[2] ?? '').split('/').filter(Boolean);
  if (normalized.startsWith('oci://') && segments.length)
    return segments[segments.length - 1];
  return host.replace(/\./g, '-');
}

/** One chart version of the contracts folder. */
export interface ContractChart {
  /** Folder under `charts/` (e.g. `bitnami-minio` for the chart named `minio`). */
  dir: string;
  name: string;
  version: string;
  /** `chart.json`: Chart.yaml fields plus `helmRepository` and `source`. */
  meta: JsonObject;
  /** `values.defaults.json`: the chart's values.yaml. */
  defaults: JsonObject;
  /** `values.schema.json`, when the chart has one. */
  schema?: JsonObject;
  /** The sandbox repository key of `meta.helmRepository`. */
  repository: string;
}

/** A dependency of a chart, as Chart.yaml declares it. */
export interface ChartDependency {
  name: string;
  version?: string;
  repository?: string;
  alias?: string;
  condition?: string;
  tags?: string[];
}

function readJson(file: string): JsonObject | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = JSON.parse(readFileSync(file, 'utf8'));
  return isObject(parsed) ? parsed : undefined;
}

/**
 * The contracts folder: `<repo>/../shared/contracts` unless the environment names
 * another one (`ML_PLATFORM_CONTRACTS_DIR`); undefined when it does not exist.
 *
 * @public
 */
export function defaultContractsDir(repoRoot: string): string | undefined {
  const dir = resolve(
    process.env.ML_PLATFORM_CONTRACTS_DIR ??
      join(repoRoot, '..', 'shared', 'contracts'),
  );
  return existsSync(join(dir, 'charts')) ? dir : undefined;
}

/** Every chart version of `<contractsDir>/charts/<dir>/<version>/`. */
export function loadContractCharts(contractsDir: string): ContractChart[] {
  const root = join(contractsDir, 'charts');
  if (!existsSync(root)) return [];
  const out: ContractChart[] = [];
  for (const dir of readdirSync(root).sort()) {
    const chartDir = join(root, dir);
    let versions: string[];
    try {
      versions = readdirSync(chartDir).sort();
    } catch {
      continue;
    }
    for (const v of versions) {
      const meta = readJson(join(chartDir, v, 'chart.json'));
      if (!meta || typeof meta.name !== 'string') continue;
      out.push({
        dir,
        name: meta.name,
        version: String(meta.version ?? v),
        meta,
        defaults: readJson(join(chartDir, v, 'values.defaults.json')) ?? {},
        schema: readJson(join(chartDir, v, 'values.schema.json')),
        repository: repositoryKey(String(meta.helmRepository ?? dir)),
      });
    }
  }
  return out;
}

/** The dependencies a chart declares. */
export function dependenciesOf(chart: ContractChart): ChartDependency[] {
  const deps = Array.isArray(chart.meta.dependencies)
    ? chart.meta.dependencies
    : [];
  return deps.filter(isObject).map(d => ({
    name: String(d.name),
    ...(d.version !== undefined ? { version: String(d.version) } : {}),
    ...(d.repository !== undefined ? { repository: String(d.repository) } : {}),
    ...(d.alias !== undefined ? { alias: String(d.alias) } : {}),
    ...(d.condition !== undefined ? { condition: String(d.condition) } : {}),
    ...(Array.isArray(d.tags) ? { tags: d.tags.map(String) } : {}),
  }));
}

function parts(version: string): number[] {
  return version
    .replace(/^v/, '')
    .split(/[.+-]/)
    .slice(0, 3)
    .map(p => (/^\d+$/.test(p) ? Number(p) : NaN));
}

/** Whether a version satisfies a Chart.yaml constraint (exact, `x` wildcards, `^`, `~`). */
export function satisfies(version: string, constraint: string): boolean {
  const c = constraint.trim();
  const v = parts(version);
  if (c === '' || c === '*') return true;
  const op = /^[\^~]/.exec(c)?.[0];
  const want = c
    .replace(/^[\^~=v]+/, '')
    .split('.')
    .map(w => (/^\d+$/.test(w) ? Number(w) : NaN));
  while (want.length < 3) want.push(NaN);
  if (op) {
    if (v[0] !== want[0]) return false;
    if (Number.isNaN(want[1])) return true;
    if (op === '~' && v[1] !== want[1]) return false;
    if (v[1] !== want[1]) return v[1] > want[1];
    return Number.isNaN(want[2]) || v[2] >= want[2];
  }
  // Exact versions and `x` wildcards (`2.x.x`): every given part must match.
  return want.every((w, i) => Number.isNaN(w) || v[i] === w);
}

/** How far apart two versions are, major first: the basis of "nearest version". */
function distance(a: string, b: string): number {
  const [x, y] = [parts(a), parts(b)];
  return (
    Math.abs((x[0] || 0) - (y[0] || 0)) * 1e6 +
    Math.abs((x[1] || 0) - (y[1] || 0)) * 1e3 +
    Math.abs((x[2] || 0) - (y[2] || 0))
  );
}

/**
 * The contract chart that stands in for a dependency: same chart name, preferably from
 * the same repository, the exact or a satisfying version, else the nearest one (the
 * contracts lack some versions, e.g. postgresql 18.x). `exact` tells whether the version
 * matched the constraint.
 */
export function resolveDependency(
  charts: readonly ContractChart[],
  dep: ChartDependency,
): { chart: ContractChart; exact: boolean } | undefined {
  const named = charts.filter(c => c.name === dep.name);
  if (named.length === 0) return undefined;
  const repo = dep.repository ? repositoryKey(dep.repository) : undefined;
  const sameRepo = named.filter(c => c.repository === repo);
  const pool = sameRepo.length ? sameRepo : named;
  const constraint = dep.version ?? '*';
  const matching = pool.filter(c => satisfies(c.version, constraint));
  if (matching.length) {
    const newest = [...matching].sort(
      (a, b) => distance(b.version, '0.0.0') - distance(a.version, '0.0.0'),
    )[0];
    return { chart: newest, exact: true };
  }
  const target = constraint.replace(/^[\^~=v]+/, '').replace(/[xX*]/g, '0');
  const nearest = [...pool].sort(
    (a, b) => distance(a.version, target) - distance(b.version, target),
  )[0];
  return { chart: nearest, exact: false };
}

/**
 * A chart the sandbox serves without contract data (its upstream files cannot be
 * stored): it has no defaults and no schema, so values are NOT checked for it. Its
 * Chart.yaml says so, in `description` and in the `ml-platform.sandbox/values-checked`
 * annotation.
 *
 * @public
 */
export interface UncheckedChart {
  /** Sandbox repository key the chart is served under (`/charts/<repository>`). */
  repository: string;
  name: string;
  version: string;
  /** How its values are checked elsewhere, in words (a blueprint's `valuesCheckedBy`). */
  checkedElsewhere?: string;
}

/** The annotation of a served chart that says whether the sandbox checks its values. */
export const VALUES_CHECKED_ANNOTATION = 'ml-platform.sandbox/values-checked';

/** A stand-in contract chart of an {@link UncheckedChart}: no defaults, no schema. */
export function uncheckedContractChart(chart: UncheckedChart): ContractChart {
  return {
    dir: `unchecked-${chart.name}`,
    name: chart.name,
    version: chart.version,
    meta: {
      apiVersion: 'v2',
      name: chart.name,
      version: chart.version,
      description: `Stand-in served by the sandbox without contract data: values are not schema-checked here${
        chart.checkedElsewhere
          ? `. Checked elsewhere: ${chart.checkedElsewhere}`
          : ''
      }`,
      annotations: { [VALUES_CHECKED_ANNOTATION]: 'false' },
    },
    defaults: {},
    repository: chart.repository,
  };
}
