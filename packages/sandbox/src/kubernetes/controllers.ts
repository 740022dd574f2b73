import { createHash } from 'node:crypto';
import type { ChartRepositories } from '../charts/repository';
import { ApplicationController } from './applications';
import { FAIL_ANNOTATION, RELEASE_UID_LABEL } from './charts';
import { Cluster } from './cluster';
import { finishForegroundDeletion, FOREGROUND_FINALIZER } from './foreground';
import { HelmReleaseController } from './helmReleases';
import { HelmSources } from './helmSources';
import { condition, deleteIfLive, writeStatus } from './status';
import { finishTermination } from './termination';
import { NODE_IP, NODE_NAME, schedule } from './nodes';
import { EventRecorder } from './events';
import {
  recordPodCreated,
  recordPodStarted,
  recordPodStopping,
} from './podEvents';
import {
  annotateDeploymentRevision,
  currentRevision,
  podTemplateHash,
} from './rollouts';
import { ApiError } from './errors';
import { clone, isObject, JsonObject, stringMap } from './json';
import { ResourceType } from './resources';
import { ChangeEvent, objectKey } from './store';
import type { ControllerPace, KubeObject, OwnerReference } from './types';

const R = {
  namespaces: '/namespaces',
  pods: '/pods',
  pvcs: '/persistentvolumeclaims',
  services: '/services',
  serviceaccounts: '/serviceaccounts',
  configmaps: '/configmaps',
  deployments: 'apps/deployments',
  replicasets: 'apps/replicasets',
  statefulsets: 'apps/statefulsets',
  daemonsets: 'apps/daemonsets',
  jobs: 'batch/jobs',
  ingresses: 'networking.k8s.io/ingresses',
  helmreleases: 'helm.toolkit.fluxcd.io/helmreleases',
  applications: 'argoproj.io/applications',
  profiles: 'kubeflow.org/profiles',
  helmrepositories: 'source.toolkit.fluxcd.io/helmrepositories',
} as const;

/** Which reconciler a queue key belongs to (`<kind>:<namespace/name or uid>`). */
type Work =
  | 'deploy'
  | 'rs'
  | 'sts'
  | 'ds'
  | 'job'
  | 'pod'
  | 'pvc'
  | 'ing'
  | 'ns'
  | 'gc'
  | 'hr'
  | 'app'
  | 'release-gc'
  | 'profile'
  | 'hrepo'
  | 'fg';

const OWNER_WORK: Record<string, Work> = {
  Deployment: 'deploy',
  ReplicaSet: 'rs',
  StatefulSet: 'sts',
  DaemonSet: 'ds',
  Job: 'job',
  Profile: 'profile',
};

/**
 * The reconciler a change to each watched resource queues. Pods, claims and ingresses
 * are only reconciled while they exist: a deleted one has no status left to settle. A
 * deleted release (HelmRelease, Application) also queues the clean-up of what it generated.
 */
const CHANGE_WORK: Record<
  string,
  { work: Work; whileLive?: boolean; release?: boolean }
> = {
  [R.deployments]: { work: 'deploy' },
  [R.replicasets]: { work: 'rs' },
  [R.statefulsets]: { work: 'sts' },
  [R.daemonsets]: { work: 'ds' },
  [R.jobs]: { work: 'job' },
  [R.pods]: { work: 'pod', whileLive: true },
  [R.pvcs]: { work: 'pvc', whileLive: true },
  [R.ingresses]: { work: 'ing', whileLive: true },
  [R.namespaces]: { work: 'ns' },
  [R.helmreleases]: { work: 'hr', release: true },
  [R.applications]: { work: 'app', release: true },
  [R.profiles]: { work: 'profile' },
  [R.helmrepositories]: { work: 'hrepo', whileLive: true },
};

function splitKey(key: string): [string | undefined, string] {
  const i = key.indexOf('/');
  return i < 0 ? [undefined, key] : [key.slice(0, i), key.slice(i + 1)];
}

function ownerRef(obj: KubeObject, controller = true): OwnerReference {
  return {
    apiVersion: obj.apiVersion!,
    kind: obj.kind!,
    name: obj.metadata.name!,
    uid: obj.metadata.uid!,
    controller,
    blockOwnerDeletion: true,
  };
}

function hash10(value: unknown): string {
  const hex = createHash('sha256').update(JSON.stringify(value)).digest('hex');
  // pod-template-hash values are short and alphanumeric; map hex onto the safe alphabet.
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (let i = 0; i < 10; i++)
    out +=
      alphabet[parseInt(hex.slice(i * 2, i * 2 + 2), 16) % alphabet.length];
  return out;
}

function spec(obj: KubeObject): JsonObject {
  return isObject(obj.spec) ? obj.spec : {};
}

function status(obj: KubeObject | undefined): JsonObject {
  return obj && isObject(obj.status) ? obj.status : {};
}

/** Drops zero and empty values, as the API's omitempty encoding of status integers does. */
function compact(obj: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || v === 0 || v === null) continue;
    out[k] = v;
  }
  return out;
}

/**
 * The controllers of a simulated cluster: workloads to pods, releases to the objects a
 * chart creates, profiles to namespaces, namespace termination, garbage collection.
 * Work is queued per object from store changes and processed at the configured pace;
 * every reconciler is idempotent, so re-running it changes nothing.
 *
 * @public
 */
export class Controllers {
  private readonly queue = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private running = false;
  private stopped = false;
  private readonly unsubscribe: () => void;
  private readonly sources?: HelmSources;
  private readonly helmReleases: HelmReleaseController;
  private readonly applications: ApplicationController;
  /** The events the controllers and the kubelet record. */
  readonly events: EventRecorder;

  constructor(
    private readonly cluster: Cluster,
    private readonly pace: ControllerPace,
    private readonly onError: (err: unknown, key: string) => void = () => {},
    options: {
      /** The sandbox's chart repositories: releases then pull their charts from them. */
      charts?: ChartRepositories;
      /** Check release values against chart schemas (needs `charts`). */
      validateValues?: boolean;
    } = {},
  ) {
    this.events = new EventRecorder(cluster);
    this.unsubscribe = cluster.store.subscribe(e => this.onChange(e));
    if (options.charts) {
      this.sources = new HelmSources(cluster, options.charts, key => {
        // A background index fetch ended: reconcile as if the repository had changed.
        this.enqueue('hrepo', key);
        this.settle();
      });
    }
    const releaseOptions = {
      charts: options.charts,
      sources: this.sources,
      validateValues: Boolean(options.charts && options.validateValues),
    };
    this.helmReleases = new HelmReleaseController(cluster, releaseOptions);
    this.applications = new ApplicationController(cluster, releaseOptions);
  }

  /** Stops reacting; pending work is dropped. */
  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    this.queue.clear();
  }

  /** Number of queued work items (for tests and diagnostics). */
  pending(): number {
    return this.queue.size;
  }

  /** Queues every object the controllers care about (after loading a snapshot). */
  resyncAll(): void {
    const each = (resource: string, work: Work) => {
      for (const { key } of this.cluster.store.select(resource))
        this.enqueue(work, key);
    };
    each(R.namespaces, 'ns');
    each(R.deployments, 'deploy');
    each(R.replicasets, 'rs');
    each(R.statefulsets, 'sts');
    each(R.daemonsets, 'ds');
    each(R.jobs, 'job');
    each(R.pods, 'pod');
    each(R.helmreleases, 'hr');
    each(R.applications, 'app');
    each(R.profiles, 'profile');
    each(R.helmrepositories, 'hrepo');
  }

  private enqueue(work: Work, id: string): void {
    if (this.stopped) return;
    const key = `${work}:${id}`;
    if (this.queue.has(key)) return;
    const delay = this.pace === 'instant' ? 0 : this.pace;
    this.queue.set(key, Date.now() + delay);
    if (this.pace !== 'instant') this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.stopped || this.queue.size === 0) return;
    const next = Math.min(...this.queue.values());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.processDue(Date.now());
      this.schedule();
    }, Math.max(0, next - Date.now()));
    this.timer.unref?.();
  }

  /**
   * Runs queued work. With `instant` pace the API layer calls this after every write, so
   * the cluster has converged by the time the next request arrives.
   */
  settle(): void {
    if (this.pace !== 'instant') return;
    this.processDue(Number.POSITIVE_INFINITY);
  }

  /** Runs all queued work now, whatever the pace (tests of paced clusters). */
  flush(): void {
    for (let i = 0; i < 100 && this.queue.size; i++)
      this.processDue(Number.POSITIVE_INFINITY);
  }

  private processDue(now: number): void {
    if (this.running) return;
    this.running = true;
    try {
      // Bounded, so that a misbehaving reconciler cannot hang a request.
      for (let round = 0; round < 10_000; round++) {
        const due = [...this.queue.entries()]
          .filter(([, at]) => at <= now)
          .map(([k]) => k);
        if (due.length === 0) break;
        for (const key of due) {
          this.queue.delete(key);
          this.run(key);
        }
        if (this.pace !== 'instant' && now !== Number.POSITIVE_INFINITY) break;
      }
    } finally {
      this.running = false;
    }
  }

  private run(key: string): void {
    const i = key.indexOf(':');
    const work = key.slice(0, i) as Work;
    const id = key.slice(i + 1);
    try {
      switch (work) {
        case 'deploy':
          return this.reconcileDeployment(id);
        case 'rs':
          return this.reconcileReplicaSet(id);
        case 'sts':
          return this.reconcileStatefulSet(id);
        case 'ds':
          return this.reconcileDaemonSet(id);
        case 'job':
          return this.reconcileJob(id);
        case 'pod':
          return this.reconcilePod(id);
        case 'pvc':
          return this.reconcilePvc(id);
        case 'ing':
          return this.reconcileIngress(id);
        case 'ns':
          return this.reconcileNamespace(id);
        case 'gc':
          return this.collectGarbage(id);
        case 'hr':
          return this.helmReleases.reconcile(id);
        case 'app':
          return this.applications.reconcile(id);
        case 'release-gc':
          return this.helmReleases.removeGenerated(id, new Set());
        case 'hrepo':
          return this.sources?.reconcileRepository(id);
        case 'fg':
          return finishForegroundDeletion(this.cluster, id);
        case 'profile':
          return this.reconcileProfile(id);
        default:
          return undefined;
      }
    } catch (err) {
      // A controller that fails retries on the next change, like a real one would.
      if (!(err instanceof ApiError)) this.onError(err, key);
      return undefined;
    }
  }

  private onChange(e: ChangeEvent): void {
    const obj = e.object;
    const key = objectKey(obj.metadata.namespace, obj.metadata.name!);
    const deleted = e.type === 'DELETED';
    const route = CHANGE_WORK[e.resource];
    if (route && !(deleted && route.whileLive)) this.enqueue(route.work, key);
    if (route?.release && deleted) {
      this.enqueue('release-gc', obj.metadata.uid!);
    }
    for (const ref of obj.metadata.ownerReferences ?? []) {
      const work = OWNER_WORK[ref.kind];
      if (!work) continue;
      const owner = this.cluster.store.findUid(ref.uid);
      if (owner) {
        this.enqueue(
          work,
          objectKey(
            owner.object.metadata.namespace,
            owner.object.metadata.name!,
          ),
        );
      }
    }
    if (e.resource === R.helmrepositories) {
      // A source's readiness decides every release that pulls from it.
      for (const { key: hr } of this.cluster.store.select(R.helmreleases))
        this.enqueue('hr', hr);
    }
    if (
      obj.metadata.deletionTimestamp &&
      obj.metadata.finalizers?.includes(FOREGROUND_FINALIZER)
    ) {
      this.enqueue('fg', obj.metadata.uid!);
    }
    for (const ref of obj.metadata.ownerReferences ?? []) {
      const owner = this.cluster.store.findUid(ref.uid);
      if (owner?.object.metadata.finalizers?.includes(FOREGROUND_FINALIZER))
        this.enqueue('fg', ref.uid);
    }
    const releaseUid = obj.metadata.labels?.[RELEASE_UID_LABEL];
    if (releaseUid) {
      const owner = this.cluster.store.findUid(releaseUid);
      if (owner) {
        const k = objectKey(
          owner.object.metadata.namespace,
          owner.object.metadata.name!,
        );
        this.enqueue(owner.resource === R.helmreleases ? 'hr' : 'app', k);
      }
    }
    if (deleted) {
      if (
        obj.metadata.uid &&
        this.cluster.store.dependentsOf(obj.metadata.uid).length
      ) {
        this.enqueue('gc', obj.metadata.uid);
      }
      const ns = obj.metadata.namespace;
      if (
        ns &&
        this.cluster.store.get(R.namespaces, undefined, ns)?.metadata
          .deletionTimestamp
      ) {
        this.enqueue('ns', ns);
      }
    }
  }

  // -------------------------------------------------------------------------------------
  // Helpers

  private type(resource: string): ResourceType {
    return this.cluster.registry.get(resource)!;
  }

  private get(resource: string, key: string): KubeObject | undefined {
    const [ns, name] = splitKey(key);
    return this.cluster.store.get(resource, ns, name);
  }

  private owned(owner: KubeObject, resource: string): KubeObject[] {
    return this.cluster.store
      .dependentsOf(owner.metadata.uid!)
      .filter(d => d.resource === resource)
      .map(d => d.object);
  }

  private createIfMissing(obj: KubeObject, manager: string): void {
    const rt = this.cluster.typeOf(obj);
    if (
      this.cluster.store.get(
        `${rt.group}/${rt.plural}`,
        obj.metadata.namespace,
        obj.metadata.name!,
      )
    )
      return;
    this.cluster.create(
      rt,
      obj.apiVersion!.split('/').pop()!,
      obj.metadata.namespace,
      obj as JsonObject,
      'application/json',
      {
        fieldManager: manager,
      },
    );
  }

  private deleteObject(resource: string, obj: KubeObject): void {
    deleteIfLive(this.cluster, resource, obj);
  }

  /** Creates a pod for a workload from its template. */
  private createPod(
    owner: KubeObject,
    template: JsonObject,
    extraLabels: Record<string, string>,
    name?: string,
  ): void {
    const tmeta = isObject(template.metadata) ? template.metadata : {};
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...(name ? { name } : { generateName: `${owner.metadata.name}-` }),
        namespace: owner.metadata.namespace,
        labels: { ...stringMap(tmeta.labels), ...extraLabels },
        ...(isObject(tmeta.annotations)
          ? { annotations: stringMap(tmeta.annotations) }
          : {}),
        ownerReferences: [ownerRef(owner)],
      },
      spec: {
        ...clone(isObject(template.spec) ? template.spec : {}),
        nodeName: NODE_NAME,
      },
    };
    const created = this.cluster.create(
      this.type(R.pods),
      'v1',
      owner.metadata.namespace,
      pod as JsonObject,
      'application/json',
      {
        fieldManager: 'kube-controller-manager',
      },
    );
    recordPodCreated(this.events, owner, created.object);
  }

  private isReady(pod: KubeObject): boolean {
    const conds = status(pod).conditions;
    return (
      Array.isArray(conds) &&
      conds.some(c => isObject(c) && c.type === 'Ready' && c.status === 'True')
    );
  }

  private livePods(owner: KubeObject): KubeObject[] {
    return this.owned(owner, R.pods).filter(p => !p.metadata.deletionTimestamp);
  }

  // -------------------------------------------------------------------------------------
  // Workloads

  private reconcileDeployment(key: string): void {
    const d = this.get(R.deployments, key);
    if (!d || d.metadata.deletionTimestamp) return;
    const s = spec(d);
    const template = isObject(s.template) ? s.template : {};
    const replicas = typeof s.replicas === 'number' ? s.replicas : 1;
    const hash = podTemplateHash(template);
    const rsName = `${d.metadata.name}-${hash}`.slice(0, 253);
    const tmeta = isObject(template.metadata) ? template.metadata : {};
    const labels = { ...stringMap(tmeta.labels), 'pod-template-hash': hash };
    const selector = clone(isObject(s.selector) ? s.selector : {});
    selector.matchLabels = {
      ...stringMap(selector.matchLabels),
      'pod-template-hash': hash,
    };

    const sets = this.owned(d, R.replicasets);
    const current = sets.find(r => r.metadata.name === rsName);
    const revision = currentRevision(sets, rsName);
    const scaledFrom = current ? Number(spec(current).replicas ?? 1) : 0;
    this.cluster.ensure(
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: rsName,
          namespace: d.metadata.namespace,
          labels,
          annotations: {
            'deployment.kubernetes.io/desired-replicas': String(replicas),
            'deployment.kubernetes.io/max-replicas': String(
              replicas + Math.ceil(replicas / 4),
            ),
            'deployment.kubernetes.io/revision': revision,
          },
          ownerReferences: [ownerRef(d)],
        },
        spec: {
          replicas,
          selector,
          template: {
            ...clone(template),
            metadata: { ...clone(tmeta), labels },
          },
        },
      },
      'kube-controller-manager',
    );
    if (scaledFrom !== replicas) {
      this.events.record(d, {
        type: 'Normal',
        reason: 'ScalingReplicaSet',
        message: `Scaled ${
          replicas > scaledFrom ? 'up' : 'down'
        } replica set ${rsName} from ${scaledFrom} to ${replicas}`,
        component: 'deployment-controller',
      });
    }
    annotateDeploymentRevision(this.cluster, d, revision);
    for (const old of sets) {
      if (old.metadata.name === rsName || spec(old).replicas === 0) continue;
      const next = clone(old);
      (next.spec as JsonObject).replicas = 0;
      this.cluster.writeInternal(
        this.type(R.replicasets),
        old,
        next,
        'kube-controller-manager',
      );
      this.events.record(d, {
        type: 'Normal',
        reason: 'ScalingReplicaSet',
        message: `Scaled down replica set ${old.metadata.name} from ${Number(
          spec(old).replicas ?? 1,
        )} to 0`,
        component: 'deployment-controller',
      });
    }

    const all = this.owned(d, R.replicasets);
    const sum = (field: string) =>
      all.reduce((n, r) => n + (Number(status(r)[field]) || 0), 0);
    const cur = all.find(r => r.metadata.name === rsName);
    const updated = Number(status(cur).replicas) || 0;
    const available = sum('availableReplicas');
    const total = sum('replicas');
    const st = status(d);
    const complete =
      updated === replicas && available >= replicas && total === replicas;
    const newStatus: JsonObject = {
      ...compact({
        observedGeneration: d.metadata.generation,
        replicas: total,
        updatedReplicas: updated,
        readyReplicas: sum('readyReplicas'),
        availableReplicas: available,
        unavailableReplicas: Math.max(0, replicas - available),
      }),
      conditions: [
        available >= replicas
          ? condition(
              this.cluster,
              st.conditions,
              'Available',
              'True',
              'MinimumReplicasAvailable',
              'Deployment has minimum availability.',
              { lastUpdateTime: true },
            )
          : condition(
              this.cluster,
              st.conditions,
              'Available',
              'False',
              'MinimumReplicasUnavailable',
              'Deployment does not have minimum availability.',
              { lastUpdateTime: true },
            ),
        complete
          ? condition(
              this.cluster,
              st.conditions,
              'Progressing',
              'True',
              'NewReplicaSetAvailable',
              `ReplicaSet "${rsName}" has successfully progressed.`,
              { lastUpdateTime: true },
            )
          : condition(
              this.cluster,
              st.conditions,
              'Progressing',
              'True',
              'ReplicaSetUpdated',
              `ReplicaSet "${rsName}" is progressing.`,
              { lastUpdateTime: true },
            ),
      ],
    };
    writeStatus(this.cluster, d, newStatus, 'kube-controller-manager');
  }

  private reconcileReplicaSet(key: string): void {
    const rs = this.get(R.replicasets, key);
    if (!rs || rs.metadata.deletionTimestamp) return;
    const s = spec(rs);
    const desired = typeof s.replicas === 'number' ? s.replicas : 1;
    let pods = this.livePods(rs);
    const template = isObject(s.template) ? s.template : {};
    for (let i = pods.length; i < desired; i++)
      this.createPod(rs, template, {});
    if (pods.length > desired) {
      const extra = [...pods]
        .sort((a, b) =>
          String(b.metadata.creationTimestamp).localeCompare(
            String(a.metadata.creationTimestamp),
          ),
        )
        .slice(0, pods.length - desired);
      for (const p of extra) {
        this.deleteObject(R.pods, p);
        this.events.record(rs, {
          type: 'Normal',
          reason: 'SuccessfulDelete',
          message: `Deleted pod: ${p.metadata.name}`,
          component: 'replicaset-controller',
        });
      }
    }
    pods = this.livePods(rs);
    const ready = pods.filter(p => this.isReady(p)).length;
    writeStatus(
      this.cluster,
      rs,
      compact({
        replicas: pods.length,
        fullyLabeledReplicas: pods.length,
        readyReplicas: ready,
        availableReplicas: ready,
        observedGeneration: rs.metadata.generation,
      }),
      'kube-controller-manager',
    );
  }

  private reconcileStatefulSet(key: string): void {
    const sts = this.get(R.statefulsets, key);
    if (!sts || sts.metadata.deletionTimestamp) return;
    const s = spec(sts);
    const desired = typeof s.replicas === 'number' ? s.replicas : 1;
    const template = isObject(s.template) ? s.template : {};
    const revision = `${sts.metadata.name}-${hash10(template)}`;
    const name = sts.metadata.name!;
    const pods = this.livePods(sts);
    for (const p of pods) {
      const ordinal = Number(p.metadata.name!.slice(name.length + 1));
      const stale =
        p.metadata.labels?.['controller-revision-hash'] !== revision;
      if (ordinal >= desired || stale) this.deleteObject(R.pods, p);
    }
    for (let i = 0; i < desired; i++) {
      const podName = `${name}-${i}`;
      if (this.cluster.store.get(R.pods, sts.metadata.namespace, podName))
        continue;
      const t = clone(template);
      t.spec = {
        ...(isObject(t.spec) ? t.spec : {}),
        hostname: podName,
        ...(s.serviceName ? { subdomain: s.serviceName } : {}),
      };
      this.createPod(
        sts,
        t,
        {
          'controller-revision-hash': revision,
          'statefulset.kubernetes.io/pod-name': podName,
          'apps.kubernetes.io/pod-index': String(i),
        },
        podName,
      );
    }
    const live = this.livePods(sts);
    const ready = live.filter(p => this.isReady(p)).length;
    writeStatus(
      this.cluster,
      sts,
      {
        ...compact({
          observedGeneration: sts.metadata.generation,
          replicas: live.length,
          readyReplicas: ready,
          currentReplicas: live.length,
          updatedReplicas: live.length,
          availableReplicas: ready,
        }),
        currentRevision: revision,
        updateRevision: revision,
        collisionCount: 0,
      },
      'kube-controller-manager',
    );
  }

  private reconcileDaemonSet(key: string): void {
    const ds = this.get(R.daemonsets, key);
    if (!ds || ds.metadata.deletionTimestamp) return;
    const template = isObject(spec(ds).template)
      ? (spec(ds).template as JsonObject)
      : {};
    const revision = hash10(template);
    for (const p of this.livePods(ds)) {
      if (p.metadata.labels?.['controller-revision-hash'] !== revision)
        this.deleteObject(R.pods, p);
    }
    if (this.livePods(ds).length === 0) {
      this.createPod(ds, template, {
        'controller-revision-hash': revision,
        'pod-template-generation': String(ds.metadata.generation ?? 1),
      });
    }
    const live = this.livePods(ds);
    const ready = live.filter(p => this.isReady(p)).length;
    writeStatus(
      this.cluster,
      ds,
      {
        currentNumberScheduled: live.length,
        desiredNumberScheduled: 1,
        numberMisscheduled: 0,
        numberReady: ready,
        ...compact({
          numberAvailable: ready,
          updatedNumberScheduled: live.length,
          numberUnavailable: 1 - ready,
        }),
        observedGeneration: ds.metadata.generation,
      },
      'kube-controller-manager',
    );
  }

  private reconcileJob(key: string): void {
    const job = this.get(R.jobs, key);
    if (!job || job.metadata.deletionTimestamp) return;
    const template = isObject(spec(job).template)
      ? (spec(job).template as JsonObject)
      : {};
    const pods = this.owned(job, R.pods);
    const st = status(job);
    if (pods.length === 0 && !st.succeeded) {
      this.createPod(job, template, {
        'batch.kubernetes.io/controller-uid': job.metadata.uid!,
        'batch.kubernetes.io/job-name': job.metadata.name!,
        'controller-uid': job.metadata.uid!,
        'job-name': job.metadata.name!,
      });
    }
    const now = this.cluster.now();
    const succeeded = this.owned(job, R.pods).filter(
      p => status(p).phase === 'Succeeded',
    ).length;
    const active = this.owned(job, R.pods).filter(
      p => status(p).phase === 'Running' || status(p).phase === 'Pending',
    ).length;
    const newStatus: JsonObject = {
      startTime: st.startTime ?? now,
      ...compact({ active, succeeded }),
      ready: 0,
      terminating: 0,
      uncountedTerminatedPods: {},
    };
    if (succeeded > 0) {
      newStatus.completionTime = st.completionTime ?? now;
      newStatus.conditions = [
        condition(
          this.cluster,
          st.conditions,
          'SuccessCriteriaMet',
          'True',
          'CompletionsReached',
          'Reached expected number of succeeded pods',
        ),
        condition(
          this.cluster,
          st.conditions,
          'Complete',
          'True',
          'CompletionsReached',
          'Reached expected number of succeeded pods',
        ),
      ];
    }
    writeStatus(this.cluster, job, newStatus, 'kube-controller-manager');
  }

  /** What a kubelet reports for a scheduled pod: running and ready (or crash-looping). */
  private reconcilePod(key: string): void {
    const pod = this.get(R.pods, key);
    if (!pod) return;
    if (pod.metadata.deletionTimestamp) {
      // The simulated containers stop on SIGTERM: the kubelet's next step ends the pod.
      recordPodStopping(this.events, pod);
      finishTermination(this.cluster, pod);
      return;
    }
    if (schedule(this.cluster, pod)) return;
    const st = status(pod);
    const containers = (
      Array.isArray(spec(pod).containers)
        ? (spec(pod).containers as unknown[])
        : []
    ).filter(isObject);
    const owner = pod.metadata.ownerReferences?.find(r => r.controller);
    const completes = owner?.kind === 'Job';
    const failing = pod.metadata.annotations?.[FAIL_ANNOTATION];
    const phase = completes ? 'Succeeded' : 'Running';
    const now = this.cluster.now();
    const started = typeof st.startTime === 'string' ? st.startTime : now;
    const ready = !completes && !failing;
    const ip = `10.244.0.${
      (parseInt(pod.metadata.uid!.slice(0, 4), 16) % 250) + 2
    }`;
    const containerStatuses = containers.map(c => {
      const prev = (
        Array.isArray(st.containerStatuses) ? st.containerStatuses : []
      )
        .filter(isObject)
        .find(p => p.name === c.name);
      let state: JsonObject;
      if (completes) {
        state = {
          terminated: {
            exitCode: 0,
            reason: 'Completed',
            startedAt: started,
            finishedAt: started,
          },
        };
      } else if (failing) {
        state = {
          waiting: { reason: 'CrashLoopBackOff', message: String(failing) },
        };
      } else {
        state = { running: { startedAt: started } };
      }
      return {
        name: c.name,
        image: c.image,
        imageID: `${String(c.image)}@sha256:${createHash('sha256')
          .update(String(c.image))
          .digest('hex')}`,
        containerID: `containerd://${createHash('sha256')
          .update(`${pod.metadata.uid}/${String(c.name)}`)
          .digest('hex')}`,
        ready,
        started: ready,
        restartCount: failing ? 3 : 0,
        state,
        ...(prev?.lastState ? { lastState: prev.lastState } : {}),
      };
    });
    let notReadyReason = '';
    let notReadyMessage = '';
    if (completes) notReadyReason = 'PodCompleted';
    else if (!ready) {
      notReadyReason = 'ContainersNotReady';
      notReadyMessage = `containers with unready status: [${containers
        .map(c => c.name)
        .join(' ')}]`;
    }
    const conds = [
      condition(
        this.cluster,
        st.conditions,
        'PodReadyToStartContainers',
        'True',
        '',
        '',
      ),
      condition(this.cluster, st.conditions, 'Initialized', 'True', '', ''),
      condition(
        this.cluster,
        st.conditions,
        'Ready',
        ready ? 'True' : 'False',
        notReadyReason,
        notReadyMessage,
      ),
      condition(
        this.cluster,
        st.conditions,
        'ContainersReady',
        ready ? 'True' : 'False',
        notReadyReason,
        notReadyMessage,
      ),
      condition(this.cluster, st.conditions, 'PodScheduled', 'True', '', ''),
    ].map(c => {
      const out = { ...c };
      if (!out.reason) delete out.reason;
      if (!out.message) delete out.message;
      return out;
    });
    if (st.startTime === undefined)
      recordPodStarted(this.events, pod, !!failing);
    writeStatus(
      this.cluster,
      pod,
      {
        phase,
        conditions: conds,
        hostIP: NODE_IP,
        hostIPs: [{ ip: NODE_IP }],
        podIP: ip,
        podIPs: [{ ip }],
        startTime: started,
        containerStatuses,
        qosClass: st.qosClass ?? 'BestEffort',
      },
      'kubelet',
    );
  }

  private reconcilePvc(key: string): void {
    const pvc = this.get(R.pvcs, key);
    if (!pvc || pvc.metadata.deletionTimestamp) return;
    const s = spec(pvc);
    const resources = isObject(s.resources) ? s.resources : {};
    const requests = isObject(resources.requests) ? resources.requests : {};
    writeStatus(
      this.cluster,
      pvc,
      {
        phase: 'Bound',
        accessModes: s.accessModes ?? ['ReadWriteOnce'],
        capacity: { storage: requests.storage ?? '1Gi' },
      },
      'kube-controller-manager',
    );
  }

  private reconcileIngress(key: string): void {
    const ing = this.get(R.ingresses, key);
    if (!ing || ing.metadata.deletionTimestamp) return;
    writeStatus(
      this.cluster,
      ing,
      { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } },
      'ingress-nginx-controller',
    );
  }

  // -------------------------------------------------------------------------------------
  // Namespaces and garbage collection

  private reconcileNamespace(name: string): void {
    const ns = this.cluster.store.get(R.namespaces, undefined, name);
    if (!ns) return;
    if (!ns.metadata.deletionTimestamp) {
      // What the service-account and root-CA publisher controllers add to every namespace.
      this.createIfMissing(
        {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: 'default', namespace: name },
        },
        'kube-controller-manager',
      );
      this.createIfMissing(
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: 'kube-root-ca.crt',
            namespace: name,
            annotations: {
              'kubernetes.io/description':
                'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
            },
          },
          data: {
            'ca.crt':
              '-----BEGIN CERTIFICATE-----\nsandbox\n-----END CERTIFICATE-----\n',
          },
        },
        'kube-controller-manager',
      );
      return;
    }
    const resources = this.cluster.store.resourcesInNamespace(name);
    for (const resource of resources) {
      for (const { object } of this.cluster.store.select(resource, {
        namespace: name,
      })) {
        this.deleteObject(resource, object);
      }
    }
    const remaining: { finalizers: Map<string, number>; count: number } = {
      finalizers: new Map(),
      count: 0,
    };
    for (const resource of this.cluster.store.resourcesInNamespace(name)) {
      for (const { object } of this.cluster.store.select(resource, {
        namespace: name,
      })) {
        remaining.count += 1;
        for (const f of object.metadata.finalizers ?? []) {
          remaining.finalizers.set(f, (remaining.finalizers.get(f) ?? 0) + 1);
        }
      }
    }
    if (remaining.count === 0) {
      this.cluster.remove(this.type(R.namespaces), undefined, name);
      return;
    }
    const st = status(ns);
    const finalizerText = [...remaining.finalizers.entries()]
      .map(([f, n]) => `${f} in ${n} resource instances`)
      .join(', ');
    const conditions = [
      condition(
        this.cluster,
        st.conditions,
        'NamespaceContentRemaining',
        'True',
        'SomeResourcesRemain',
        `Some resources are remaining: ${remaining.count} objects`,
      ),
      remaining.finalizers.size
        ? condition(
            this.cluster,
            st.conditions,
            'NamespaceFinalizersRemaining',
            'True',
            'SomeFinalizersRemain',
            `Some content in the namespace has finalizers remaining: ${finalizerText}`,
          )
        : condition(
            this.cluster,
            st.conditions,
            'NamespaceFinalizersRemaining',
            'False',
            'ContentHasNoFinalizers',
            'All content-preserving finalizers finished',
          ),
    ];
    const next = clone(ns);
    next.status = { phase: 'Terminating', conditions };
    this.cluster.writeInternal(
      this.type(R.namespaces),
      ns,
      next,
      'kube-controller-manager',
    );
  }

  /** Background garbage collection: dependents whose owners are all gone are deleted. */
  private collectGarbage(uid: string): void {
    if (this.cluster.store.findUid(uid)) return;
    for (const { resource, object } of this.cluster.store.dependentsOf(uid)) {
      const refs = object.metadata.ownerReferences ?? [];
      const alive = refs.filter(
        r => r.uid !== uid && this.cluster.store.findUid(r.uid),
      );
      if (alive.length === 0) {
        this.deleteObject(resource, object);
      } else {
        const next = clone(object);
        next.metadata.ownerReferences = refs.filter(r => r.uid !== uid);
        this.cluster.writeInternal(
          this.type(resource),
          object,
          next,
          'kube-controller-manager',
        );
      }
    }
  }

  // -------------------------------------------------------------------------------------
  // Kubeflow profiles

  private reconcileProfile(name: string): void {
    const profile = this.cluster.store.get(R.profiles, undefined, name);
    if (!profile || profile.metadata.deletionTimestamp) return;
    const s = spec(profile);
    const ownerSpec = isObject(s.owner) ? s.owner : {};
    const owner = String(ownerSpec.name ?? '');
    const ownerKind = String(ownerSpec.kind ?? 'User');
    const manager = 'profile-controller';
    const ref = ownerRef(profile);
    const st = status(profile);
    const existing = this.cluster.store.get(R.namespaces, undefined, name);
    // Like Kubeflow's controller: a namespace whose `owner` annotation names someone else
    // is not taken over; the profile gets a `Failed` condition (no status), appended once.
    if (existing && existing.metadata.annotations?.owner !== owner) {
      const message = `namespace already exist, but not owned by profile creator ${owner}`;
      const conditions = Array.isArray(st.conditions) ? st.conditions : [];
      if (
        !conditions.some(
          c => isObject(c) && c.type === 'Failed' && c.message === message,
        )
      ) {
        writeStatus(
          this.cluster,
          profile,
          { conditions: [...conditions, { type: 'Failed', message }] },
          manager,
        );
      }
      return;
    }
    if (existing?.metadata.deletionTimestamp) return;
    this.cluster.ensure(
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name,
          labels: {
            'app.kubernetes.io/part-of': 'kubeflow-profile',
            'istio-injection': 'enabled',
            'katib.kubeflow.org/metrics-collector-injection': 'enabled',
            'pipelines.kubeflow.org/enabled': 'true',
            'serving.kubeflow.org/inferenceservice': 'enabled',
          },
          annotations: { owner },
          ownerReferences: [ref],
        },
      },
      manager,
    );
    const inNs = (
      kind: string,
      apiVersion: string,
      objName: string,
      body: JsonObject,
      annotations?: Record<string, string>,
    ): KubeObject => ({
      apiVersion,
      kind,
      metadata: {
        name: objName,
        namespace: name,
        ownerReferences: [ref],
        ...(annotations ? { annotations } : {}),
      },
      ...body,
    });
    const objects: KubeObject[] = [
      inNs('ServiceAccount', 'v1', 'default-editor', {}),
      inNs('ServiceAccount', 'v1', 'default-viewer', {}),
      inNs(
        'RoleBinding',
        'rbac.authorization.k8s.io/v1',
        'namespaceAdmin',
        {
          roleRef: {
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'ClusterRole',
            name: 'kubeflow-admin',
          },
          subjects: [
            {
              apiGroup: 'rbac.authorization.k8s.io',
              kind: ownerKind,
              name: owner,
            },
          ],
        },
        { role: 'admin', user: owner },
      ),
      inNs('RoleBinding', 'rbac.authorization.k8s.io/v1', 'default-editor', {
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'kubeflow-edit',
        },
        subjects: [
          { kind: 'ServiceAccount', name: 'default-editor', namespace: name },
        ],
      }),
      inNs('RoleBinding', 'rbac.authorization.k8s.io/v1', 'default-viewer', {
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'kubeflow-view',
        },
        subjects: [
          { kind: 'ServiceAccount', name: 'default-viewer', namespace: name },
        ],
      }),
      inNs(
        'AuthorizationPolicy',
        'security.istio.io/v1',
        'ns-owner-access-istio',
        {
          spec: {
            action: 'ALLOW',
            rules: [
              {
                when: [
                  { key: 'request.headers[kubeflow-userid]', values: [owner] },
                ],
                from: [
                  {
                    source: {
                      principals: [
                        'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
                        'cluster.local/ns/kubeflow/sa/ml-pipeline-ui',
                      ],
                    },
                  },
                ],
              },
              { when: [{ key: 'source.namespace', values: [name] }] },
              {
                to: [
                  {
                    operation: {
                      paths: ['/healthz', '/metrics', '/wait-for-drain'],
                    },
                  },
                ],
              },
              {
                from: [
                  {
                    source: {
                      principals: [
                        'cluster.local/ns/kubeflow/sa/notebook-controller-service-account',
                      ],
                    },
                  },
                ],
                to: [
                  { operation: { methods: ['GET'], paths: ['*/api/kernels'] } },
                ],
              },
            ],
          },
        },
        { role: 'admin', user: owner },
      ),
    ];
    if (isObject(s.resourceQuotaSpec)) {
      objects.push(
        inNs('ResourceQuota', 'v1', 'kf-resource-quota', {
          spec: s.resourceQuotaSpec,
        }),
      );
    }
    for (const obj of objects) this.cluster.ensure(obj, manager);
    // The AwsIamForServiceAccount plugin annotates default-editor with the role.
    for (const plugin of Array.isArray(s.plugins) ? s.plugins : []) {
      if (!isObject(plugin) || plugin.kind !== 'AwsIamForServiceAccount')
        continue;
      const role = isObject(plugin.spec)
        ? String(plugin.spec.awsIamRole ?? '')
        : '';
      if (!role) continue;
      this.cluster.ensure(
        {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: {
            name: 'default-editor',
            namespace: name,
            annotations: { 'eks.amazonaws.com/role-arn': role },
          },
        },
        `${manager}-aws-iam`,
      );
    }
    // Kubeflow's controller writes no success condition: a profile that worked has none.
  }
}
