import { createHash } from 'node:crypto';
import { getPath, isObject, JsonObject } from './json';
import type { KubeObject } from './types';

/**
 * Label that ties generated objects to the release (HelmRelease or Application) uid.
 *
 * @public
 */
export const RELEASE_UID_LABEL = 'sandbox.ml-platform.io/release-uid';

/**
 * Annotation that makes a release fail, with its value as the failure message.
 *
 * @public
 */
export const FAIL_ANNOTATION = 'sandbox.ml-platform.io/fail';

/** Labels copied from a release onto what it generates. */
export const COPIED_LABEL_PREFIX = 'ml-platform.io/';

/** What a chart release needs to be rendered. */
export interface ReleaseInput {
  release: string;
  chart: string;
  version: string;
  namespace: string;
  values: JsonObject;
  /** Labels the release carries; those prefixed `ml-platform.io/` are copied. */
  releaseLabels: Record<string, string>;
  /** Annotations the release carries (read for {@link WORKLOADS_HINT_ANNOTATION}). */
  releaseAnnotations?: Record<string, string>;
  /** Labels and annotations a deployment tool adds to everything it manages. */
  trackingLabels: Record<string, string>;
  trackingAnnotations: Record<string, string>;
  releaseUid: string;
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v) return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

/** The host an ingress of the release answers on, from the usual chart value layouts. */
export function ingressHost(
  values: JsonObject,
  release: string,
  namespace: string,
): string {
  const hosts = getPath(values, ['ingress', 'hosts']);
  if (Array.isArray(hosts) && hosts.length) {
    const first = hosts[0];
    const h = isObject(first) ? str(first.host) : str(first);
    if (h) return h;
  }
  // The `rules` layout (keycloakx): `ingress.rules[].host`.
  const rules = getPath(values, ['ingress', 'rules']);
  const rule = Array.isArray(rules) ? rules[0] : undefined;
  if (isObject(rule)) {
    const h = str(rule.host);
    if (h) return h;
  }
  return (
    str(getPath(values, ['ingress', 'hostname'])) ??
    str(getPath(values, ['ingress', 'host'])) ??
    `${release}.${namespace}.sandbox.local`
  );
}

/** Helm's usual `fullname` helper: the release name, suffixed by the chart unless it contains it. */
function fullname(release: string, chart: string, values: JsonObject): string {
  const override = str(values.fullnameOverride);
  const name =
    override ?? (release.includes(chart) ? release : `${release}-${chart}`);
  return name.slice(0, 63).replace(/-+$/, '');
}

/** A short content digest, used as a release revision fingerprint. */
export function digest(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(value))
    .digest('hex')
    .slice(0, 16);
}

/**
 * The Deployment, Service and Ingress a typical web-application chart installs for a
 * release, with Helm's standard labels. Real charts differ in detail; what matters to the
 * portal is the shape: workloads found by `app.kubernetes.io/instance`, a service, and an
 * ingress host to link to.
 */
export function renderChart(input: ReleaseInput): KubeObject[] {
  const { release, chart, version, namespace, values } = input;
  const name = fullname(release, chart, values);
  const selectorLabels = {
    'app.kubernetes.io/name': chart,
    'app.kubernetes.io/instance': release,
  };
  const copied: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.releaseLabels)) {
    if (k.startsWith(COPIED_LABEL_PREFIX)) copied[k] = v;
  }
  const labels = {
    ...copied,
    'helm.sh/chart': `${chart}-${version}`
      .slice(0, 63)
      .replace(/[^A-Za-z0-9._-]/g, '_'),
    ...selectorLabels,
    'app.kubernetes.io/version': version.slice(0, 63),
    'app.kubernetes.io/managed-by': 'Helm',
    ...input.trackingLabels,
    [RELEASE_UID_LABEL]: input.releaseUid,
  };
  const annotations = {
    'meta.helm.sh/release-name': release,
    'meta.helm.sh/release-namespace': namespace,
    ...input.trackingAnnotations,
  };
  const meta = (n: string) => ({ name: n, namespace, labels, annotations });

  const image = isObject(values.image) ? values.image : {};
  const repository = str(image.repository) ?? `sandbox.local/${chart}`;
  const tag = str(image.tag) ?? version;
  const service = isObject(values.service) ? values.service : {};
  const port = Number(service.port ?? 80) || 80;
  const targetPort = Number(service.targetPort ?? port) || port;
  const replicas =
    typeof values.replicaCount === 'number' ? values.replicaCount : 1;

  const objects: KubeObject[] = [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(name),
      spec: {
        replicas,
        selector: { matchLabels: selectorLabels },
        template: {
          metadata: { labels: { ...copied, ...selectorLabels } },
          spec: {
            containers: [
              {
                name: chart,
                image: `${repository}:${tag}`,
                ports: [
                  { name: 'http', containerPort: targetPort, protocol: 'TCP' },
                ],
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(name),
      spec: {
        type: str(service.type) ?? 'ClusterIP',
        selector: selectorLabels,
        ports: [{ name: 'http', port, targetPort: 'http', protocol: 'TCP' }],
      },
    },
  ];
  objects.push(...hintedWorkloads(input, objects[0], meta, selectorLabels));

  const ingress = isObject(values.ingress) ? values.ingress : {};
  if (ingress.enabled !== false) {
    const host = ingressHost(values, release, namespace);
    const ingressAnnotations = isObject(ingress.annotations)
      ? ingress.annotations
      : {};
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        ...meta(name),
        annotations: { ...ingressAnnotations, ...annotations } as Record<
          string,
          string
        >,
      },
      spec: {
        ingressClassName:
          str(ingress.className) ?? str(ingress.ingressClassName) ?? 'nginx',
        rules: [
          {
            host,
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name, port: { number: port } } },
                },
              ],
            },
          },
        ],
        ...(Array.isArray(ingress.tls) ? { tls: ingress.tls } : {}),
      },
    });
  }
  return objects;
}

/**
 * The annotation in which the portal's deploy records the workloads an instance's health
 * waits for (`{ workloads: [{ kind, name }] }`). The sandbox renders no chart templates;
 * it renders these workloads as well, so that what the real chart renders (checked with
 * the real Helm by `npm run check:charts`) also exists here.
 */
export const WORKLOADS_HINT_ANNOTATION = 'ml-platform.io/health';

/** The annotation listing every release of the instance (JSON array of names). */
const RELEASES_ANNOTATION = 'ml-platform.io/releases';

/** The extra Deployments and StatefulSets the release's workloads hint names. */
function hintedWorkloads(
  input: ReleaseInput,
  stock: KubeObject,
  meta: (name: string) => KubeObject['metadata'],
  selectorLabels: Record<string, string>,
): KubeObject[] {
  let hint: unknown;
  try {
    hint = JSON.parse(
      input.releaseAnnotations?.[WORKLOADS_HINT_ANNOTATION] ?? 'null',
    );
  } catch {
    return [];
  }
  const workloads =
    isObject(hint) && Array.isArray(hint.workloads) ? hint.workloads : [];
  // The instance's other releases render their own Deployments (named after them).
  let siblings: unknown = [];
  try {
    siblings = JSON.parse(
      input.releaseAnnotations?.[RELEASES_ANNOTATION] ?? '[]',
    );
  } catch {
    siblings = [];
  }
  const others = new Set(
    (Array.isArray(siblings) ? siblings : []).filter(
      (r): r is string => typeof r === 'string' && r !== input.release,
    ),
  );
  const out: KubeObject[] = [];
  for (const w of workloads) {
    if (!isObject(w)) continue;
    const kind = str(w.kind);
    const name = str(w.name);
    if (!name || (kind !== 'Deployment' && kind !== 'StatefulSet')) continue;
    if (kind === stock.kind && name === stock.metadata.name) continue;
    // A sibling release renders its stock Deployment itself; a StatefulSet named after it
    // (a database release's) only exists if rendered here.
    if (kind === 'Deployment' && others.has(name)) continue;
    if (w.namespace !== undefined && w.namespace !== input.namespace) continue;
    const podLabels = {
      ...selectorLabels,
      'app.kubernetes.io/component': name
        .slice(-63)
        .replace(/^[^A-Za-z0-9]+/, ''),
    };
    const template = {
      metadata: { labels: podLabels },
      spec: {
        containers: [
          {
            name: 'main',
            image: `sandbox.local/${input.chart}:${input.version}`,
          },
        ],
      },
    };
    out.push({
      apiVersion: 'apps/v1',
      kind,
      metadata: meta(name),
      spec: {
        replicas: 1,
        selector: { matchLabels: podLabels },
        ...(kind === 'StatefulSet' ? { serviceName: name } : {}),
        template,
      },
    });
  }
  return out;
}

/** Sets a dotted Helm `--set` style path (`a.b[0].c`) in a values object. */
export function setValuePath(
  values: JsonObject,
  path: string,
  value: unknown,
): void {
  const parts = path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean);
  let cur: JsonObject | unknown[] = values;
  for (let i = 0; i < parts.length; i++) {
    const key = parts[i];
    const last = i === parts.length - 1;
    const nextIsIndex = !last && /^\d+$/.test(parts[i + 1]);
    if (Array.isArray(cur)) {
      const idx = Number(key);
      if (last) cur[idx] = value;
      else {
        if (!isObject(cur[idx]) && !Array.isArray(cur[idx]))
          cur[idx] = nextIsIndex ? [] : {};
        cur = cur[idx] as JsonObject;
      }
    } else {
      if (last) cur[key] = value;
      else {
        if (!isObject(cur[key]) && !Array.isArray(cur[key]))
          cur[key] = nextIsIndex ? [] : {};
        cur = cur[key] as JsonObject;
      }
    }
  }
}
