import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringify as toYaml } from 'yaml';
import {
  ContractChart,
  dependenciesOf,
  loadContractCharts,
  repositoryKey,
  resolveDependency,
  uncheckedContractChart,
  type UncheckedChart,
} from './contracts';
import { chartYaml, LoadedChart, packageChart } from './package';

/** The path prefix the chart repositories are served under, on every cluster's port. */
export const CHARTS_PATH = '/charts';

/** Index entries carry this creation time so that index.yaml reads the same every run. */
const FIXED_CREATED = '2000-01-01T00:00:00Z';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** How the chart a HelmRelease names was found, or why it was not. */
export type ChartLookup =
  | { found: true; chart: LoadedChart }
  | {
      found: false;
      reason: 'repository' | 'chart' | 'version';
      message: string;
    };

/**
 * Helm chart repositories built from the contracts folder: one repository per upstream
 * `helmRepository` URL (see {@link repositoryKey}), each serving `index.yaml` and one
 * `.tgz` package per chart version with Chart.yaml, values.yaml, values.schema.json and
 * the vendored dependencies. The same lookups answer the simulated controllers in-process.
 *
 * @public
 */
export class ChartRepositories {
  private readonly charts: ContractChart[];
  private readonly loaded = new Map<ContractChart, LoadedChart>();
  private readonly packages = new Map<
    ContractChart,
    { data: Buffer; digest: string }
  >();
  private readonly origins = new Set<string>();

  constructor(
    readonly contractsDir: string,
    unchecked: readonly UncheckedChart[] = [],
  ) {
    this.charts = loadContractCharts(contractsDir);
    for (const chart of unchecked) {
      const clash = this.charts.some(
        c =>
          c.repository === chart.repository &&
          c.name === chart.name &&
          c.version === chart.version,
      );
      // Contract data, when it exists, always wins over a stand-in.
      if (!clash) this.charts.push(uncheckedContractChart(chart));
    }
  }

  /** Registers a URL the repositories are served at (each cluster's base URL). */
  addOrigin(url: string): void {
    this.origins.add(this.origin(url));
  }

  private origin(url: string): string {
    const u = new URL(url);
    const host = LOOPBACK.has(u.hostname) ? 'loopback' : u.hostname;
    return `${host}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
  }

  /** The repository keys served, sorted. */
  keys(): string[] {
    return [...new Set(this.charts.map(c => c.repository))].sort();
  }

  /**
   * The repository key a HelmRepository URL reaches in-process: one of the sandbox's
   * `/charts/<key>` URLs, or an upstream URL the contracts hold charts of (the sandbox
   * stands in for those repositories). Undefined for anything else.
   */
  keyForUrl(url: string): string | undefined {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return undefined;
    }
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
      const m = new RegExp(`^${CHARTS_PATH}/([^/]+)/?$`).exec(parsed.pathname);
      if (m && this.origins.has(this.origin(url)))
        return this.keys().includes(m[1]) ? m[1] : undefined;
    }
    const key = repositoryKey(url);
    const upstream = this.charts.some(
      c =>
        c.repository === key &&
        repositoryKey(String(c.meta.helmRepository)) === key,
    );
    return upstream && this.isKnownUpstream(url) ? key : undefined;
  }

  private isKnownUpstream(url: string): boolean {
    const norm = url.trim().replace(/\/+$/, '');
    return this.charts.some(
      c => String(c.meta.helmRepository ?? '').replace(/\/+$/, '') === norm,
    );
  }

  /** A chart with its dependencies vendored from the contracts. */
  load(
    chart: ContractChart,
    seen: Set<ContractChart> = new Set(),
  ): LoadedChart {
    const cached = this.loaded.get(chart);
    if (cached) return cached;
    const out: LoadedChart = { chart, dependencies: [], missing: [] };
    const next = new Set(seen).add(chart);
    for (const dep of dependenciesOf(chart)) {
      const found = resolveDependency(this.charts, dep);
      if (!found || next.has(found.chart)) out.missing.push(dep);
      else
        out.dependencies.push({
          dep,
          loaded: this.load(found.chart, next),
          exact: found.exact,
        });
    }
    this.loaded.set(chart, out);
    return out;
  }

  /** Finds a chart version in one repository, with Helm's wording when it is not there. */
  lookup(key: string, name: string, version: string): ChartLookup {
    const inRepo = this.charts.filter(c => c.repository === key);
    if (inRepo.length === 0)
      return {
        found: false,
        reason: 'repository',
        message: `no chart repository "${key}" in the sandbox`,
      };
    const named = inRepo.filter(c => c.name === name);
    if (named.length === 0)
      return {
        found: false,
        reason: 'chart',
        message: `no chart name found: ${name}`,
      };
    const exact = named.find(c => c.version === version.replace(/^v/, ''));
    if (!exact)
      return {
        found: false,
        reason: 'version',
        message: `no '${name}' chart with version matching '${version}' found`,
      };
    return { found: true, chart: this.load(exact) };
  }

  private packageOf(chart: ContractChart): { data: Buffer; digest: string } {
    let pkg = this.packages.get(chart);
    if (!pkg) {
      pkg = packageChart(this.load(chart));
      this.packages.set(chart, pkg);
    }
    return pkg;
  }

  /** The `index.yaml` of one repository; package URLs are absolute under `baseUrl`. */
  index(key: string, baseUrl: string): string | undefined {
    const inRepo = this.charts.filter(c => c.repository === key);
    if (!inRepo.length) return undefined;
    const entries: Record<string, unknown[]> = {};
    const sorted = [...inRepo].sort(
      (a, b) =>
        a.name.localeCompare(b.name) ||
        b.version.localeCompare(a.version, undefined, { numeric: true }),
    );
    for (const c of sorted) {
      const { data: _d, digest } = this.packageOf(c);
      const meta = chartYaml(this.load(c));
      (entries[c.name] ??= []).push({
        ...meta,
        urls: [`${baseUrl}${CHARTS_PATH}/${key}/${c.name}-${c.version}.tgz`],
        digest,
        created: FIXED_CREATED,
      });
    }
    return toYaml({ apiVersion: 'v1', entries, generated: FIXED_CREATED });
  }

  /** One package by file name (`<chart>-<version>.tgz`). */
  package(key: string, file: string): Buffer | undefined {
    const chart = this.charts.find(
      c => c.repository === key && `${c.name}-${c.version}.tgz` === file,
    );
    return chart ? this.packageOf(chart).data : undefined;
  }

  /**
   * Serves `GET /charts/<key>/index.yaml` and `GET /charts/<key>/<chart>-<version>.tgz`
   * without authentication, as public Helm repositories are. Answers false for paths
   * outside `/charts`.
   */
  handle(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    baseUrl: string,
  ): boolean {
    if (path !== CHARTS_PATH && !path.startsWith(`${CHARTS_PATH}/`))
      return false;
    const send = (code: number, type: string, body: string | Buffer) => {
      res.writeHead(code, {
        'content-type': type,
        'content-length': Buffer.byteLength(body),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(405, 'text/plain', 'method not allowed\n');
      return true;
    }
    const [key, file, ...rest] = path
      .slice(CHARTS_PATH.length)
      .split('/')
      .filter(Boolean);
    if (!key) {
      send(200, 'text/plain', `${this.keys().join('\n')}\n`);
      return true;
    }
    if (!rest.length && file === 'index.yaml') {
      const index = this.index(key, baseUrl);
      if (index) send(200, 'application/x-yaml', index);
      else send(404, 'text/plain', '404 page not found\n');
      return true;
    }
    const data = !rest.length && file ? this.package(key, file) : undefined;
    if (data) send(200, 'application/gzip', data);
    else send(404, 'text/plain', '404 page not found\n');
    return true;
  }
}
