import { validateReleaseValues } from '../charts/values';
import { digest, FAIL_ANNOTATION } from './charts';
import { clone, isObject, JsonObject } from './json';
import { InstallResult, R, ReleaseBase } from './releases';
import { condition, specOf, statusOf, writeStatus } from './status';
import type { KubeObject } from './types';

const FLUX_FINALIZER = 'finalizers.fluxcd.io';
const MANAGER = 'helm-controller';

/** The release a HelmRelease describes. */
function releaseOf(hr: KubeObject) {
  const s = specOf(hr);
  const chartSpec =
    isObject(s.chart) && isObject(s.chart.spec) ? s.chart.spec : {};
  const chartRef = isObject(s.chartRef) ? s.chartRef : {};
  const chart = String(chartSpec.chart ?? chartRef.name ?? hr.metadata.name);
  const rawVersion = String(chartSpec.version ?? '');
  const version = /^v?\d+\.\d+\.\d+([-+][\w.-]+)?$/.test(rawVersion)
    ? rawVersion.replace(/^v/, '')
    : '0.1.0';
  const namespace = String(s.targetNamespace ?? hr.metadata.namespace);
  const release = String(
    s.releaseName ??
      (s.targetNamespace
        ? `${namespace}-${hr.metadata.name}`
        : hr.metadata.name),
  );
  const values = isObject(s.values) ? s.values : {};
  return { s, chart, version, namespace, release, values };
}

/** Remediation retries of an action; Flux's default is none, so one failure stalls. */
function retries(s: JsonObject, action: 'install' | 'upgrade'): number {
  const a = isObject(s[action]) ? (s[action] as JsonObject) : {};
  const r = isObject(a.remediation) ? a.remediation : {};
  return typeof r.retries === 'number' ? r.retries : 0;
}

/**
 * Flux's helm-controller, simulated: a HelmRelease installs the chart its spec names
 * (rendered as the stock workload), and reports Ready / Released as helm-controller does.
 * When the sandbox serves chart repositories, the chart must come from a Ready
 * HelmRepository that lists it, and the values must pass the chart's schema. A failed
 * upgrade keeps the objects of the last good release, as Helm does.
 */
export class HelmReleaseController extends ReleaseBase {
  reconcile(key: string): void {
    const hr = this.get(R.helmreleases, key);
    if (!hr) return;
    const rt = this.type(R.helmreleases);
    if (hr.metadata.deletionTimestamp) {
      if ((hr.metadata.finalizers ?? []).includes(FLUX_FINALIZER)) {
        this.removeGenerated(hr.metadata.uid!, new Set());
        const next = clone(hr);
        next.metadata.finalizers = (next.metadata.finalizers ?? []).filter(
          f => f !== FLUX_FINALIZER,
        );
        this.cluster.writeInternal(rt, hr, next, MANAGER);
      }
      return;
    }
    if (!(hr.metadata.finalizers ?? []).includes(FLUX_FINALIZER)) {
      const next = clone(hr);
      next.metadata.finalizers = [
        ...(next.metadata.finalizers ?? []),
        FLUX_FINALIZER,
      ];
      this.cluster.writeInternal(rt, hr, next, MANAGER);
      return;
    }
    const { s, chart, version, namespace, release, values } = releaseOf(hr);
    if (s.suspend === true) return;
    const st = statusOf(hr);
    const generation = hr.metadata.generation;
    const cond = (
      type: string,
      state: 'True' | 'False' | 'Unknown',
      reason: string,
      message: string,
    ) =>
      condition(this.cluster, st.conditions, type, state, reason, message, {
        observedGeneration: generation,
      });

    const source = this.options.sources?.chartFor(hr, chart, version);
    if (source && !source.ok) {
      // helm-controller stops before any Helm action: the last release stays as it was.
      const kept = (Array.isArray(st.conditions) ? st.conditions : [])
        .filter(isObject)
        .filter(c => c.type === 'Released');
      writeStatus(
        this.cluster,
        hr,
        {
          ...st,
          observedGeneration: generation,
          conditions: [
            cond('Ready', 'False', 'ArtifactFailed', source.message),
            ...kept,
          ],
        },
        MANAGER,
      );
      return;
    }

    const history = Array.isArray(st.history)
      ? st.history.filter(isObject)
      : [];
    const prev = history[0];
    const fail = hr.metadata.annotations?.[FAIL_ANNOTATION];
    const failedAction = prev ? 'upgrade' : 'install';
    let result: InstallResult;
    if (fail !== undefined) {
      result = {
        ready: false,
        objects: [],
        error: fail || `${failedAction} failed`,
      };
    } else {
      const invalid =
        this.options.validateValues && source?.ok && source.chart
          ? validateReleaseValues(source.chart, values)
          : undefined;
      result = invalid
        ? { ready: false, objects: [], error: invalid }
        : this.install(
            hr,
            {
              release,
              chart,
              version,
              namespace,
              values,
              releaseLabels: hr.metadata.labels ?? {},
              releaseAnnotations: hr.metadata.annotations ?? {},
              trackingLabels: {
                'helm.toolkit.fluxcd.io/name': hr.metadata.name!,
                'helm.toolkit.fluxcd.io/namespace': hr.metadata.namespace!,
              },
              trackingAnnotations: {},
              releaseUid: hr.metadata.uid!,
            },
            isObject(s.install) && s.install.createNamespace === true,
            MANAGER,
          );
    }

    const chartLabel = `${chart}@${version}`;
    const fingerprint = digest({ chart, version, values, release, namespace });
    let entry = prev;
    if (!result.error && (!prev || prev.digest !== fingerprint)) {
      const now = this.cluster.now();
      entry = {
        name: release,
        namespace,
        version: Number(prev?.version ?? 0) + 1,
        status: 'deployed',
        chartName: chart,
        chartVersion: version,
        appVersion: version,
        firstDeployed: prev?.firstDeployed ?? now,
        lastDeployed: now,
        digest: fingerprint,
        configDigest: `sha256:${digest(values)}`,
      };
    }
    let action: 'install' | 'upgrade';
    if (result.error) action = failedAction;
    else action = Number(entry?.version ?? 1) > 1 ? 'upgrade' : 'install';
    const verb = action === 'install' ? 'Install' : 'Upgrade';
    let conditions: JsonObject[];
    if (result.error) {
      const message = `Helm ${action} failed for release ${namespace}/${release} with chart ${chartLabel}: ${result.error}`;
      conditions = [
        cond('Ready', 'False', `${verb}Failed`, message),
        cond('Released', 'False', `${verb}Failed`, message),
      ];
      if (retries(s, action) >= 0 && retries(s, action) < 1) {
        conditions.unshift(
          cond(
            'Stalled',
            'True',
            'RetriesExceeded',
            `Failed to ${action} after 1 attempt(s)`,
          ),
        );
      }
    } else {
      const message = `Helm ${action} succeeded for release ${namespace}/${release}.v${String(
        entry?.version ?? 1,
      )} with chart ${chartLabel}`;
      conditions = [
        result.ready
          ? cond('Ready', 'True', 'ReconciliationSucceeded', message)
          : cond(
              'Ready',
              'Unknown',
              'Progressing',
              'Reconciliation in progress',
            ),
        cond('Released', 'True', `${verb}Succeeded`, message),
      ];
    }
    writeStatus(
      this.cluster,
      hr,
      {
        observedGeneration: generation,
        lastAttemptedGeneration: generation,
        lastAttemptedRevision: version,
        lastAttemptedReleaseAction: action,
        lastAttemptedValuesChecksum: digest(values),
        ...(entry
          ? {
              history: [
                entry,
                ...history.filter(
                  h => h !== prev && h.version !== entry!.version,
                ),
              ].slice(0, 5),
            }
          : {}),
        ...(result.error ? { failures: 1, [`${action}Failures`]: 1 } : {}),
        conditions,
      },
      MANAGER,
    );
  }
}
