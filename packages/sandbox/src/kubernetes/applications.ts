import { parse as parseYaml } from 'yaml';
import { validateReleaseValues } from '../charts/values';
import { FAIL_ANNOTATION, ingressHost, setValuePath } from './charts';
import { clone, deepEqual, isObject, JsonObject } from './json';
import { InstallResult, R, ReleaseBase } from './releases';
import { specOf, statusOf, writeStatus } from './status';
import type { KubeObject } from './types';

const ARGO_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

/** How Argo CD reports the health of one generated resource. */
function resourceHealth(kind: string, ready: boolean): JsonObject {
  if (kind === 'Deployment')
    return { health: { status: ready ? 'Healthy' : 'Progressing' } };
  if (kind === 'Ingress' || kind === 'Service')
    return { health: { status: 'Healthy' } };
  return {};
}

/**
 * Argo CD's application controller, simulated for Helm sources: the chart is rendered as
 * the stock workload and the Application reports sync and health. When the sandbox
 * serves the source's repository, a missing chart or version, or values the chart's
 * schema refuses, is a `ComparisonError` and the Application is Degraded.
 */
export class ApplicationController extends ReleaseBase {
  /** Why the target state cannot be generated, in Argo CD's words; undefined if it can. */
  private compare(
    source: JsonObject,
    chart: string,
    version: string,
    values: JsonObject,
  ): string | undefined {
    const charts = this.options.charts;
    const key = charts?.keyForUrl(String(source.repoURL ?? ''));
    if (!charts || !key || !source.chart) return undefined;
    const prefix =
      'Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc =';
    const found = charts.lookup(key, chart, version);
    if (!found.found)
      return `${prefix} failed to pull chart ${chart}: ${found.message}`;
    if (!this.options.validateValues) return undefined;
    const invalid = validateReleaseValues(found.chart, values);
    return invalid
      ? `${prefix} \`helm template\` failed: ${invalid}`
      : undefined;
  }

  /** The chart, release and values an Argo CD Application's Helm source describes. */
  private applicationSource(app: KubeObject): {
    chart: string;
    version: string;
    release: string;
    values: JsonObject;
    source: JsonObject;
  } {
    const s = specOf(app);
    const sources = Array.isArray(s.sources) ? s.sources.filter(isObject) : [];
    const source =
      (isObject(s.source)
        ? s.source
        : sources.find(x => x.chart || x.path) ?? sources[0]) ?? {};
    const helm = isObject(source.helm) ? source.helm : {};
    const chart = String(
      source.chart ??
        String(source.path ?? '')
          .split('/')
          .filter(Boolean)
          .pop() ??
        app.metadata.name,
    );
    const version = String(source.targetRevision ?? '0.1.0');
    const values: JsonObject = {};
    if (typeof helm.values === 'string') {
      try {
        const parsed = parseYaml(helm.values);
        if (isObject(parsed)) Object.assign(values, parsed);
      } catch {
        // Argo CD reports unparsable values as a sync error; treated as empty here.
      }
    }
    if (isObject(helm.valuesObject))
      Object.assign(values, clone(helm.valuesObject));
    for (const p of Array.isArray(helm.parameters)
      ? helm.parameters.filter(isObject)
      : []) {
      if (typeof p.name === 'string') setValuePath(values, p.name, p.value);
    }
    return {
      chart,
      version,
      release: String(helm.releaseName ?? app.metadata.name),
      values,
      source,
    };
  }

  reconcile(key: string): void {
    const app = this.get(R.applications, key);
    if (!app) return;
    if (app.metadata.deletionTimestamp) {
      if ((app.metadata.finalizers ?? []).includes(ARGO_FINALIZER)) {
        this.removeGenerated(app.metadata.uid!, new Set());
        const next = clone(app);
        next.metadata.finalizers = (next.metadata.finalizers ?? []).filter(
          f => f !== ARGO_FINALIZER,
        );
        this.cluster.writeInternal(
          this.type(R.applications),
          app,
          next,
          'argocd-application-controller',
        );
      }
      return;
    }
    const s = specOf(app);
    const destination = isObject(s.destination) ? s.destination : {};
    const namespace = String(destination.namespace ?? app.metadata.namespace);
    const { chart, version, release, values, source } =
      this.applicationSource(app);
    const syncPolicy = isObject(s.syncPolicy) ? s.syncPolicy : {};
    const syncOptions = Array.isArray(syncPolicy.syncOptions)
      ? syncPolicy.syncOptions.map(String)
      : [];
    const fail = app.metadata.annotations?.[FAIL_ANNOTATION];
    const st = statusOf(app);
    let result: InstallResult;
    // A failed sync leaves what the last good one applied, as Argo CD does.
    const comparisonError =
      fail === undefined
        ? this.compare(source, chart, version, values)
        : undefined;
    if (fail !== undefined) {
      result = { ready: false, objects: [], error: fail || 'sync failed' };
    } else if (comparisonError) {
      result = { ready: false, objects: [], error: comparisonError };
    } else {
      result = this.install(
        app,
        {
          release,
          chart,
          version,
          namespace,
          values,
          releaseLabels: app.metadata.labels ?? {},
          releaseAnnotations: app.metadata.annotations ?? {},
          trackingLabels: {},
          trackingAnnotations: {},
          releaseUid: app.metadata.uid!,
        },
        syncOptions.includes('CreateNamespace=true'),
        'argocd-application-controller',
      );
      for (const obj of result.objects) {
        // Argo CD's annotation-based resource tracking.
        const rt = this.cluster.typeOf(obj);
        const live = this.cluster.store.get(
          `${rt.group}/${rt.plural}`,
          obj.metadata.namespace,
          obj.metadata.name!,
        );
        const tracking = `${app.metadata.name}:${rt.group}/${rt.kind}:${obj.metadata.namespace}/${obj.metadata.name}`;
        if (
          live &&
          live.metadata.annotations?.['argocd.argoproj.io/tracking-id'] !==
            tracking
        ) {
          const next = clone(live);
          next.metadata.annotations = {
            ...(next.metadata.annotations ?? {}),
            'argocd.argoproj.io/tracking-id': tracking,
          };
          this.cluster.writeInternal(
            rt,
            live,
            next,
            'argocd-application-controller',
          );
        }
      }
    }
    const prevOp = isObject(st.operationState) ? st.operationState : {};
    const phase = result.error ? 'Failed' : 'Succeeded';
    const message = result.error
      ? `one or more objects failed to apply, reason: ${result.error}`
      : 'successfully synced (all tasks run)';
    const now = this.cluster.now();
    const sameOp = prevOp.phase === phase && prevOp.message === message;
    const operationState = {
      operation: {
        sync: { revision: version },
        initiatedBy: { automated: true },
      },
      phase,
      message,
      syncResult: { revision: version, source },
      startedAt: sameOp ? prevOp.startedAt ?? now : now,
      finishedAt: sameOp ? prevOp.finishedAt ?? now : now,
    };
    const host = ingressHost(values, release, namespace);
    let health = result.ready ? 'Healthy' : 'Progressing';
    if (result.error) health = 'Degraded';
    let syncStatus = result.error ? 'OutOfSync' : 'Synced';
    if (comparisonError) syncStatus = 'Unknown';
    const newStatus: JsonObject = {
      sync: {
        status: syncStatus,
        revision: version,
        comparedTo: { source, destination },
      },
      health: {
        status: health,
        ...(result.error ? { message: result.error } : {}),
      },
      resources: result.objects.map(o => {
        const rt = this.cluster.typeOf(o);
        return {
          ...(rt.group ? { group: rt.group } : {}),
          version: rt.versions[0],
          kind: rt.kind,
          namespace: o.metadata.namespace,
          name: o.metadata.name,
          status: 'Synced',
          ...resourceHealth(o.kind!, result.ready),
        };
      }),
      summary: result.error
        ? {}
        : {
            images: result.objects
              .filter(o => o.kind === 'Deployment')
              .flatMap(
                o =>
                  ((specOf(o).template as JsonObject).spec as JsonObject)
                    .containers as JsonObject[],
              )
              .map(c => c.image),
            externalURLs: result.objects.some(o => o.kind === 'Ingress')
              ? [`http://${host}`]
              : [],
          },
      sourceType: 'Helm',
      operationState,
      ...(result.error
        ? {
            conditions: [
              {
                type: comparisonError ? 'ComparisonError' : 'SyncError',
                message: result.error,
                lastTransitionTime: sameOp ? prevOp.finishedAt ?? now : now,
              },
            ],
          }
        : {}),
    };
    if (deepEqual(st, newStatus)) return;
    writeStatus(this.cluster, app, newStatus, 'argocd-application-controller');
  }
}
