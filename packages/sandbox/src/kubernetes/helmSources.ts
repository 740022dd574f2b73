import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import type { ChartRepositories } from '../charts/repository';
import type { LoadedChart } from '../charts/package';
import type { Cluster } from './cluster';
import { isObject, JsonObject } from './json';
import { condition, specOf, statusOf, writeStatus } from './status';
import type { KubeObject } from './types';

const REPOSITORIES = 'source.toolkit.fluxcd.io/helmrepositories';
const MANAGER = 'source-controller';

/** What fetching a repository index from outside the sandbox gave. */
type Remote =
  | { state: 'pending' }
  | { state: 'ok'; index: JsonObject; digest: string }
  | { state: 'failed'; message: string };

/** Where a HelmRelease's chart comes from, or why it cannot be had. */
export type ChartSource =
  | { ok: true; chart?: LoadedChart; revision: string }
  | { ok: false; message: string };

/**
 * The source-controller part of the simulation: HelmRepository objects become Ready when
 * their URL serves an `index.yaml` (the sandbox's own chart repositories answer
 * in-process; any other URL is fetched once, in the background), and HelmReleases get
 * their chart from the repository their `sourceRef` names.
 */
export class HelmSources {
  private readonly remote = new Map<string, Remote>();

  constructor(
    private readonly cluster: Cluster,
    private readonly charts: ChartRepositories,
    /** Called when a background fetch ends, to reconcile the repository again. */
    private readonly requeue: (key: string) => void,
  ) {}

  private indexUrl(url: string): string {
    return `${url.replace(/\/+$/, '')}/index.yaml`;
  }

  private fetchRemote(url: string, key: string): Remote {
    const known = this.remote.get(url);
    if (known) return known;
    const pending: Remote = { state: 'pending' };
    this.remote.set(url, pending);
    const target = this.indexUrl(url);
    fetch(target, { signal: AbortSignal.timeout(10_000) })
      .then(async res => {
        if (!res.ok)
          throw new Error(`${target} : ${res.status} ${res.statusText}`);
        const text = await res.text();
        const index = parseYaml(text);
        if (!isObject(index) || !isObject(index.entries))
          throw new Error(`${target}: no entries in index`);
        return {
          state: 'ok' as const,
          index,
          digest: createHash('sha256').update(text).digest('hex'),
        };
      })
      .catch(
        (e: Error): Remote => ({
          state: 'failed',
          message: `failed to fetch ${target} : ${e.message}`,
        }),
      )
      .then(result => {
        this.remote.set(url, result);
        this.requeue(key);
      });
    return pending;
  }

  /** Reconciles one HelmRepository (`namespace/name`): its Ready condition and artifact. */
  reconcileRepository(key: string): void {
    const [namespace, name] = key.split('/');
    const repo = this.cluster.store.get(REPOSITORIES, namespace, name);
    if (!repo || repo.metadata.deletionTimestamp) return;
    const url = String(specOf(repo).url ?? '');
    const generation = repo.metadata.generation;
    const st = statusOf(repo);
    const local = this.charts.keyForUrl(url);
    let outcome: {
      ready: boolean | 'unknown';
      message: string;
      digest?: string;
    };
    if (local) {
      const index = this.charts.index(local, 'http://sandbox') ?? '';
      outcome = {
        ready: true,
        message: '',
        digest: createHash('sha256').update(index).digest('hex'),
      };
    } else if (!/^https?:\/\//.test(url)) {
      outcome = {
        ready: false,
        message: `failed to fetch Helm repository index: the sandbox serves no index for ${url}`,
      };
    } else {
      const r = this.fetchRemote(url, key);
      if (r.state === 'pending')
        outcome = {
          ready: 'unknown',
          message: `building artifact: fetching ${this.indexUrl(url)}`,
        };
      else if (r.state === 'failed')
        outcome = {
          ready: false,
          message: `failed to fetch Helm repository index: ${r.message}`,
        };
      else outcome = { ready: true, message: '', digest: r.digest };
    }
    const cond = (
      type: string,
      s: 'True' | 'False' | 'Unknown',
      reason: string,
      message: string,
    ) =>
      condition(this.cluster, st.conditions, type, s, reason, message, {
        observedGeneration: generation,
      });
    let newStatus: JsonObject;
    if (outcome.ready === true) {
      const revision = `sha256:${outcome.digest}`;
      newStatus = {
        observedGeneration: generation,
        url: `http://source-controller.flux-system.svc.cluster.local./helmrepository/${namespace}/${name}/index.yaml`,
        artifact: {
          path: `helmrepository/${namespace}/${name}/index-${outcome.digest}.yaml`,
          url: `http://source-controller.flux-system.svc.cluster.local./helmrepository/${namespace}/${name}/index-${outcome.digest}.yaml`,
          revision,
          digest: revision,
          lastUpdateTime:
            (isObject(st.artifact) && st.artifact.revision === revision
              ? st.artifact.lastUpdateTime
              : undefined) ?? this.cluster.now(),
        },
        conditions: [
          cond(
            'Ready',
            'True',
            'Succeeded',
            `stored artifact: revision '${revision}'`,
          ),
          cond(
            'ArtifactInStorage',
            'True',
            'Succeeded',
            `stored artifact: revision '${revision}'`,
          ),
        ],
      };
    } else if (outcome.ready === 'unknown') {
      newStatus = {
        observedGeneration: st.observedGeneration ?? -1,
        conditions: [
          cond('Reconciling', 'True', 'Progressing', outcome.message),
          cond('Ready', 'Unknown', 'Progressing', outcome.message),
        ],
      };
    } else {
      newStatus = {
        observedGeneration: generation,
        conditions: [
          cond('FetchFailed', 'True', 'IndexationFailed', outcome.message),
          cond('Ready', 'False', 'IndexationFailed', outcome.message),
        ],
      };
    }
    writeStatus(this.cluster, repo, newStatus, MANAGER);
  }

  /**
   * The chart a HelmRelease names through `spec.chart.spec`, as its HelmChart would
   * report it: the source must exist and be Ready, and list the chart and version.
   * Charts from the contracts come with their schema; others only with a revision.
   */
  chartFor(hr: KubeObject, chart: string, version: string): ChartSource {
    const s = specOf(hr);
    const chartSpec =
      isObject(s.chart) && isObject(s.chart.spec) ? s.chart.spec : {};
    const ref = isObject(chartSpec.sourceRef) ? chartSpec.sourceRef : {};
    const namespace = String(ref.namespace ?? hr.metadata.namespace);
    const name = String(ref.name ?? '');
    const helmChart = `HelmChart '${namespace}/${hr.metadata.namespace}-${hr.metadata.name}' is not ready`;
    if (ref.kind !== 'HelmRepository') {
      return {
        ok: false,
        message: `${helmChart}: the sandbox only serves charts from HelmRepository sources, not ${String(
          ref.kind,
        )}`,
      };
    }
    const repo = this.cluster.store.get(REPOSITORIES, namespace, name);
    if (!repo) {
      return {
        ok: false,
        message: `${helmChart}: failed to get source: HelmRepository.source.toolkit.fluxcd.io "${name}" not found`,
      };
    }
    const ready = (
      Array.isArray(statusOf(repo).conditions)
        ? (statusOf(repo).conditions as unknown[])
        : []
    )
      .filter(isObject)
      .find(c => c.type === 'Ready');
    if (ready?.status !== 'True') {
      return {
        ok: false,
        message: `${helmChart}: HelmRepository '${namespace}/${name}' is not ready${
          ready?.message ? `: ${String(ready.message)}` : ''
        }`,
      };
    }
    const url = String(specOf(repo).url ?? '');
    const local = this.charts.keyForUrl(url);
    const notFound = (why: string) => ({
      ok: false as const,
      message: `${helmChart}: invalid chart reference: failed to get chart version for remote reference: ${why}`,
    });
    if (local) {
      const found = this.charts.lookup(local, chart, version);
      if (!found.found) return notFound(found.message);
      return { ok: true, chart: found.chart, revision: version };
    }
    const remote = this.remote.get(url);
    const entries =
      remote?.state === 'ok' ? (remote.index.entries as JsonObject) : {};
    const list = Array.isArray(entries[chart])
      ? (entries[chart] as unknown[]).filter(isObject)
      : [];
    if (!list.length) return notFound(`no chart name found: ${chart}`);
    if (!list.some(e => String(e.version) === version))
      return notFound(
        `no '${chart}' chart with version matching '${version}' found`,
      );
    return { ok: true, revision: version };
  }
}
