import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import type { ActionContext } from '@backstage/plugin-scaffolder-node';
import { z as zv3 } from 'zod/v3';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  ML_PLATFORM_ANNOTATIONS,
  ML_PLATFORM_LABELS,
  ML_PLATFORM_MANAGER,
  parseInstanceRef,
  stringifyInstanceRef,
  type InstanceRef,
} from '@ml-platform/plugin-ml-tools-common';
import {
  DEPLOY_KINDS,
  describeRef,
  instanceSelector,
  isManagedByUs,
  MAIN_COMPONENT,
  RELEASE_KIND_OF_DRIVER,
  refOf,
  type AnyToolBlueprint,
  type K8sObject,
  type MlToolsInstanceChange,
  type MlToolsInstanceRemoval,
} from '@ml-platform/plugin-ml-tools-node';
import {
  makeEnv,
  makeIdentity,
  type InstanceIdentity,
  type MlToolsActionOptions,
  type StepEnv,
} from '../lib/context';
import { checkpointed } from '../lib/checkpoint';
import { requestCatalogRefresh } from '../lib/catalogRefresh';
import {
  assertNamespaceAllowed,
  fields,
  parseInput,
  resolveCluster,
  type Zod,
} from '../lib/inputs';
import { deleteClient } from '../lib/keycloak/clients';
import { releaseGroups } from '../lib/keycloak/groups';
import { deleteOurObject } from '../lib/kubernetes/releases';
import { CLIENT_ID } from './keycloakClientEnsure';
import { decommissionExamples } from './decommission.examples';
import { forTaskLog } from '../lib/failure';
import {
  findAnchor,
  findExistingInstance,
  releaseNamespace,
} from '../lib/instance';

const inputSchema = (z: Zod) =>
  z
    .object({
      instanceRef: z
        .string()
        .max(200)
        .optional()
        .describe(
          'The instance as <cluster>/<namespace>/<name>, as its catalog entity carries it (annotation ml-platform.io/instance); instead of cluster, namespace and name',
        ),
      cluster: fields.cluster(z),
      namespace: fields.namespace(z).optional(),
      name: fields.name(z).optional(),
      confirmName: z
        .string()
        .max(100)
        .optional()
        .describe(
          'The instance name typed again by the person removing it; refused when it differs',
        ),
      keepData: z
        .boolean()
        .default(false)
        .describe(
          'Keep the data: volumes (database, bucket), the parts the blueprint keeps with them (a database release) and the generated credentials that open them, so a later deploy with the same name finds its data again',
        ),
      clientId: z
        .string()
        .max(100)
        .regex(CLIENT_ID, "must be lower case a-z, 0-9, '-', '.', '_'")
        .optional()
        .describe(
          'Keycloak clientId of the instance; read from the release, or the instance name, by default',
        ),
      timeoutSeconds: z
        .number()
        .int()
        .min(10)
        .max(3600)
        .default(300)
        .describe('How long to wait for the releases to be uninstalled'),
    })
    // Unknown inputs reach parseInput, which refuses them by name.
    .passthrough();

type DecommissionInput = zv3.output<ReturnType<typeof inputSchema>>;
type DecommissionContext = Pick<
  ActionContext<any, any>,
  | 'input'
  | 'logger'
  | 'isDryRun'
  | 'checkpoint'
  | 'output'
  | 'user'
  | 'getInitiatorCredentials'
>;

/** What decommission found to remove, recorded once so a resumed task removes the same. */
type Inventory = {
  tool: string;
  ownerName: string;
  clientIds: string[];
  groupPaths: string[];
  /** Names of the instance's releases (older checkpoints lack it). */
  releases?: string[];
};

function parseClientIds(
  annotations: Record<string, string>,
  fallback: string,
): string[] {
  try {
    const ids = JSON.parse(
      annotations[ML_PLATFORM_ANNOTATIONS.keycloakClientIds] ?? 'null',
    );
    if (Array.isArray(ids) && ids.every(i => typeof i === 'string')) return ids;
  } catch {
    // fall through to the single-client annotation
  }
  return [annotations[ML_PLATFORM_ANNOTATIONS.keycloakClientId] ?? fallback];
}

async function takeInventory(
  env: StepEnv,
  blueprints: AnyToolBlueprint[],
  id: { cluster: string; namespace: string; name: string; ref: string },
  clientIdInput: string | undefined,
): Promise<Inventory> {
  const anchor = await findAnchor(env, blueprints, id);
  if (anchor) {
    if (
      !isManagedByUs(anchor) ||
      anchor.metadata.labels?.[ML_PLATFORM_LABELS.instance] !== id.name
    ) {
      throw new ConflictError(
        `input.name: ${describeRef(
          refOf(anchor),
        )} is not managed by ${ML_PLATFORM_MANAGER} for instance "${
          id.name
        }"; refusing to remove it`,
      );
    }
  }
  // Every release of ours for the instance, the main one or not: a part kept with the
  // data by an earlier decommission still names its tool and owner.
  const { apiVersion, kind } = RELEASE_KIND_OF_DRIVER[env.config.deploy.driver];
  const releases = (
    await env.k8s.list(id.cluster, {
      apiVersion,
      kind,
      namespace: releaseNamespace(env.config, id),
      labelSelector: instanceSelector(id.name),
    })
  ).filter(isManagedByUs);
  const labelled = anchor ?? releases[0];
  const annotations = anchor?.metadata.annotations ?? {};
  let groupPaths: string[] = [];
  try {
    const mappings = JSON.parse(
      annotations[ML_PLATFORM_ANNOTATIONS.roleMappings] ?? '{}',
    );
    groupPaths = [
      ...new Set(Object.values(mappings as Record<string, string[]>).flat()),
    ].sort();
  } catch {
    env.logger.warn(
      `Role mappings annotation of ${id.name} is not JSON; groups are kept`,
    );
  }
  return {
    tool: labelled?.metadata.labels?.[ML_PLATFORM_LABELS.tool] ?? 'unknown',
    ownerName:
      labelled?.metadata.labels?.[ML_PLATFORM_LABELS.owner] ?? 'unknown',
    releases: releases.map(r => r.metadata.name).sort(),
    clientIds: clientIdInput
      ? [clientIdInput]
      : parseClientIds(annotations, id.name),
    groupPaths,
  };
}

/** Removes the blueprint's plain objects (kept ones stay when the data is kept). */
async function removeObjects(
  env: StepEnv,
  id: InstanceIdentity,
  blueprint: AnyToolBlueprint | undefined,
  keepData: boolean,
): Promise<void> {
  const kept = new Set(
    keepData ? blueprint?.decommission?.keepWithData ?? [] : [],
  );
  for (const kind of blueprint?.objectKinds ?? []) {
    const objects = await env.k8s.list(id.cluster, {
      apiVersion: kind.apiVersion,
      kind: kind.kind,
      labelSelector: instanceSelector(id.name),
    });
    // Dependents first: the main object (a profile owning a namespace) goes last.
    const ordered = [...objects].sort(
      (a, b) =>
        Number(
          a.metadata.labels?.[ML_PLATFORM_LABELS.component] === MAIN_COMPONENT,
        ) -
        Number(
          b.metadata.labels?.[ML_PLATFORM_LABELS.component] === MAIN_COMPONENT,
        ),
    );
    for (const object of ordered) {
      const component = object.metadata.labels?.[ML_PLATFORM_LABELS.component];
      if (component && kept.has(component)) {
        env.changes.add({
          target: 'kubernetes',
          kind: object.kind,
          name: object.metadata.name,
          action: 'keep',
          detail: 'holds kept data',
        });
        continue;
      }
      await deleteOurObject(env, id, refOf(object), object);
    }
  }
}

/** The chart source (Flux HelmRepository) a release installs from, by name. */
function sourceOf(release: K8sObject): string | undefined {
  const spec = release.spec as
    | { chart?: { spec?: { sourceRef?: { name?: string } } } }
    | undefined;
  return spec?.chart?.spec?.sourceRef?.name;
}

/**
 * Removes the instance's releases and chart sources, but for the parts the blueprint
 * keeps with the data (a database release) and the chart sources those install from.
 */
async function removeReleases(
  env: StepEnv,
  id: InstanceIdentity,
  timeoutMs: number,
  keptComponents: ReadonlySet<string>,
): Promise<void> {
  const { apiVersion, kind } = RELEASE_KIND_OF_DRIVER[env.config.deploy.driver];
  const type = { apiVersion, kind };
  const namespace = releaseNamespace(env.config, id);
  const selector = instanceSelector(id.name);
  const all = await env.k8s.list(id.cluster, {
    ...type,
    namespace,
    labelSelector: selector,
  });
  const isKept = (r: K8sObject) =>
    isManagedByUs(r) &&
    keptComponents.has(r.metadata.labels?.[ML_PLATFORM_LABELS.component] ?? '');
  const kept = all.filter(isKept);
  const releases = all.filter(r => !isKept(r));
  for (const release of kept) {
    env.changes.add({
      target: 'kubernetes',
      kind: release.kind,
      name: `${namespace}/${release.metadata.name}`,
      action: 'keep',
      detail: 'holds kept data',
    });
  }
  const keptSources = new Set(kept.flatMap(r => sourceOf(r) ?? []));
  if (all.length === 0) {
    env.changes.add({
      target: 'kubernetes',
      kind: type.kind,
      name: `${namespace}/${id.name}`,
      action: 'absent',
    });
  }
  for (const release of releases) {
    await deleteOurObject(env, id, refOf(release), release);
  }
  if (env.config.deploy.driver === 'flux') {
    const sources = await env.k8s.list(id.cluster, {
      apiVersion: DEPLOY_KINDS.HelmRepository.apiVersion,
      kind: DEPLOY_KINDS.HelmRepository.kind,
      namespace: id.namespace,
      labelSelector: selector,
    });
    for (const source of sources) {
      if (keptSources.has(source.metadata.name)) {
        env.changes.add({
          target: 'kubernetes',
          kind: source.kind,
          name: `${id.namespace}/${source.metadata.name}`,
          action: 'keep',
          detail: 'chart source of a kept release',
        });
        continue;
      }
      await deleteOurObject(env, id, refOf(source), source);
    }
  }
  if (env.dryRun || releases.length === 0) return;
  // The release controllers uninstall the charts behind finalizers: wait until gone.
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = (
      await env.k8s.list(id.cluster, {
        ...type,
        namespace,
        labelSelector: selector,
      })
    ).filter(r => !isKept(r));
    if (left.length === 0) return;
    if (Date.now() > deadline) {
      env.logger.warn(
        `Releases still being uninstalled after ${Math.round(
          timeoutMs / 1000,
        )}s: ${left.map(r => r.metadata.name).join(', ')}`,
      );
      return;
    }
    env.logger.info(
      `Waiting for ${left
        .map(r => r.metadata.name)
        .join(', ')} to be uninstalled`,
    );
    await new Promise(r => setTimeout(r, env.config.deploy.pollIntervalMs));
  }
}

async function removeSecrets(
  env: StepEnv,
  id: InstanceIdentity,
  keepData: boolean,
) {
  const secrets = await env.k8s.list(id.cluster, {
    apiVersion: 'v1',
    kind: 'Secret',
    namespace: id.namespace,
    labelSelector: instanceSelector(id.name),
  });
  for (const secret of secrets) {
    if (
      keepData &&
      secret.metadata.labels?.[ML_PLATFORM_LABELS.component] === 'secrets'
    ) {
      env.changes.add({
        target: 'kubernetes',
        kind: 'Secret',
        name: `${id.namespace}/${secret.metadata.name}`,
        action: 'keep',
        detail: 'credentials of the kept data',
      });
      continue;
    }
    await deleteOurObject(env, id, refOf(secret), secret);
  }
}

/**
 * Removes the pods the tool itself started for the instance (per-user servers): they
 * outlive the release that started them, and nothing would reach them any more.
 */
async function removeRuntimePods(
  env: StepEnv,
  id: InstanceIdentity,
  runtimeManagers: ReadonlySet<string>,
) {
  if (runtimeManagers.size === 0) return;
  const pods = await env.k8s.list<K8sObject>(id.cluster, {
    apiVersion: 'v1',
    kind: 'Pod',
    namespace: id.namespace,
    labelSelector: `${ML_PLATFORM_LABELS.helmInstance}=${id.name}`,
  });
  for (const pod of pods) {
    const managedBy = pod.metadata.labels?.[ML_PLATFORM_LABELS.managedBy];
    if (!managedBy || !runtimeManagers.has(managedBy)) continue;
    if (!env.dryRun) await env.k8s.delete(id.cluster, refOf(pod));
    env.changes.add({
      target: 'kubernetes',
      kind: 'Pod',
      name: `${id.namespace}/${pod.metadata.name}`,
      action: 'delete',
    });
  }
}

async function removeData(
  env: StepEnv,
  id: InstanceIdentity,
  keepData: boolean,
  releases: string[],
  runtimeManagers: ReadonlySet<string>,
  blueprint: AnyToolBlueprint | undefined,
) {
  // Claims of every release of the instance (a release of its own, a database, labels
  // its StatefulSet's claims with its own release name), and those the blueprint names.
  const selectors = [
    `${ML_PLATFORM_LABELS.helmInstance} in (${[
      ...new Set([id.name, ...releases]),
    ]
      .sort()
      .join(',')})`,
    ...(blueprint?.decommission?.dataClaimSelectors?.(id.name) ?? []),
  ];
  const claims = new Map<string, K8sObject>();
  for (const labelSelector of selectors) {
    for (const claim of await env.k8s.list<K8sObject>(id.cluster, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      namespace: id.namespace,
      labelSelector,
    })) {
      claims.set(claim.metadata.name, claim);
    }
  }
  for (const claim of [...claims.values()].sort((a, b) =>
    a.metadata.name.localeCompare(b.metadata.name),
  )) {
    const name = `${id.namespace}/${claim.metadata.name}`;
    const managedBy = claim.metadata.labels?.[ML_PLATFORM_LABELS.managedBy];
    // Claims of our release are made by Helm or by the chart's StatefulSets for it, or
    // by the tool at run time (per-user volumes) when its blueprint says so.
    if (
      managedBy &&
      managedBy !== 'Helm' &&
      managedBy !== ML_PLATFORM_MANAGER &&
      !runtimeManagers.has(managedBy)
    ) {
      env.changes.add({
        target: 'kubernetes',
        kind: 'PersistentVolumeClaim',
        name,
        action: 'foreign',
      });
      continue;
    }
    if (keepData) {
      env.changes.add({
        target: 'kubernetes',
        kind: 'PersistentVolumeClaim',
        name,
        action: 'keep',
      });
      continue;
    }
    if (!env.dryRun) await env.k8s.delete(id.cluster, refOf(claim));
    env.changes.add({
      target: 'kubernetes',
      kind: 'PersistentVolumeClaim',
      name,
      action: 'delete',
    });
  }
}

/**
 * `ml-tools:decommission`: removes what `ml-tools:deploy` made: releases and chart
 * sources, the Keycloak client and its scope, the Secrets, and the groups we created
 * when no other instance or role uses them; optionally keeps the data (volumes and the
 * credentials that open them). Deploying again with the same name then works.
 *
 * @public
 */
export function createDecommissionAction(options: MlToolsActionOptions) {
  return createTemplateAction({
    id: 'ml-tools:decommission',
    description:
      'Removes an ML tool instance: releases, auth proxy, Keycloak client, secrets, groups created for it, and its data unless kept',
    examples: decommissionExamples,
    supportsDryRun: true,
    schema: {
      input: inputSchema,
      output: {
        instanceRef: z =>
          z.string().describe('<cluster>/<namespace>/<name> of the instance'),
        removed: z =>
          z.number().describe('Number of objects removed (or that would be)'),
        kept: z => z.array(z.string()).describe('Objects deliberately kept'),
      },
    },
    async handler(ctx) {
      try {
        await decommission(options, ctx);
      } catch (error) {
        throw forTaskLog(error);
      }
    },
  });
}

/** Which instance the input names: its ref, or cluster, namespace and name. */
function targetOf(
  options: MlToolsActionOptions,
  input: DecommissionInput,
): InstanceRef {
  let fromRef: InstanceRef | undefined;
  if (input.instanceRef !== undefined) {
    try {
      fromRef = parseInstanceRef(input.instanceRef);
    } catch {
      throw new InputError(
        `Invalid input: input.instanceRef "${input.instanceRef}" must be <cluster>/<namespace>/<name>`,
      );
    }
  }
  const namespace = input.namespace ?? fromRef?.namespace;
  const name = input.name ?? fromRef?.name;
  if (!namespace || !name) {
    throw new InputError(
      'Invalid input: input.instanceRef, or input.namespace and input.name, must name the instance',
    );
  }
  const cluster = resolveCluster(
    options.config,
    input.cluster ?? fromRef?.cluster,
  );
  const target = { cluster, namespace, name };
  if (
    fromRef &&
    stringifyInstanceRef(fromRef) !== stringifyInstanceRef(target)
  ) {
    throw new InputError(
      `Invalid input: input.instanceRef "${input.instanceRef}" and input.cluster, input.namespace, input.name name different instances`,
    );
  }
  fields.name(zv3).parse(name);
  assertNamespaceAllowed(options.config, namespace);
  if (input.confirmName !== undefined && input.confirmName.trim() !== name) {
    throw new InputError(
      `Invalid input: input.confirmName "${input.confirmName}" does not match the instance name "${name}"; type the name of the instance to remove`,
    );
  }
  return target;
}

/**
 * Removes an instance, or what is left of it, with the action's own steps, outside a
 * task: for the fleet routes' orphan removal, whose caller is already authorised (no
 * owner check here). Steps are not checkpointed: a second call finds less, or nothing
 * (NotFoundError).
 */
export async function removeInstance(
  options: MlToolsActionOptions,
  removal: MlToolsInstanceRemoval,
): Promise<{ changes: MlToolsInstanceChange[] }> {
  const changes = await decommission(
    { ...options, access: undefined },
    {
      input: {
        instanceRef: removal.instanceRef,
        keepData: removal.keepData,
        ...(removal.clientId ? { clientId: removal.clientId } : {}),
        // A route waits less than a task for the controllers to uninstall.
        timeoutSeconds: 30,
      },
      logger: removal.logger as DecommissionContext['logger'],
      isDryRun: removal.dryRun,
      checkpoint: (async (opts: { fn: () => unknown }) =>
        opts.fn()) as unknown as DecommissionContext['checkpoint'],
      output: () => {},
    },
  );
  return { changes };
}

async function decommission(
  options: MlToolsActionOptions,
  ctx: Pick<
    DecommissionContext,
    'input' | 'logger' | 'isDryRun' | 'checkpoint' | 'output'
  > &
    Partial<DecommissionContext>,
): Promise<MlToolsInstanceChange[]> {
  const input = parseInput(inputSchema, ctx.input);
  const where = targetOf(options, input);
  const env = makeEnv(options, ctx.logger, !!ctx.isDryRun);
  const instance = { ...where, ref: stringifyInstanceRef(where) };
  const inventory = await checkpointed(ctx, 'inventory', async () => {
    // Checked once: a resumed task finds less of the instance, not a new owner.
    const existing = await findExistingInstance(
      { config: options.config, k8s: options.kubernetes, kc: options.keycloak },
      options.blueprints.list(),
      instance,
      [input.clientId ?? where.name],
    );
    if (!existing) {
      throw new NotFoundError(
        `input.name: there is no instance "${where.name}" in ${where.cluster}/${where.namespace}`,
      );
    }
    await options.access?.assertMayChange(
      ctx as DecommissionContext,
      existing,
      'decommission',
    );
    return takeInventory(
      env,
      options.blueprints.list(),
      instance,
      input.clientId,
    );
  });
  const id = makeIdentity(where, inventory.tool, inventory.ownerName);
  const blueprint = options.blueprints.find(inventory.tool);
  const keptComponents = new Set(
    input.keepData ? blueprint?.decommission?.keepWithData ?? [] : [],
  );
  await checkpointed(ctx, 'releases', () =>
    removeReleases(env, id, input.timeoutSeconds * 1000, keptComponents),
  );
  await checkpointed(ctx, 'objects', () =>
    removeObjects(env, id, blueprint, input.keepData),
  );
  await checkpointed(ctx, 'keycloak-client', async () => {
    for (const clientId of inventory.clientIds) {
      await deleteClient(env, id, clientId);
    }
  });
  await checkpointed(ctx, 'keycloak-groups', () =>
    releaseGroups(env, id, inventory.groupPaths),
  );
  await checkpointed(ctx, 'secrets', () =>
    removeSecrets(env, id, input.keepData),
  );
  const runtimeManagers = new Set(
    blueprint?.decommission?.runtimeManagers ?? [],
  );
  await checkpointed(ctx, 'runtime-pods', () =>
    removeRuntimePods(env, id, runtimeManagers),
  );
  await checkpointed(ctx, 'data', () =>
    removeData(
      env,
      id,
      input.keepData,
      inventory.releases ?? [],
      runtimeManagers,
      blueprint,
    ),
  );
  ctx.logger.info(`Decommissioned ${id.ref}: ${env.changes.summary()}`);
  if (!env.dryRun) {
    // The releases are gone: the next cycle takes the instance out of the catalog.
    await requestCatalogRefresh(options, id, ctx.logger);
  }
  ctx.output('instanceRef', id.ref);
  ctx.output(
    'removed',
    env.changes.changes.filter(c => c.action === 'delete').length,
  );
  ctx.output(
    'kept',
    env.changes.changes
      .filter(c => c.action === 'keep')
      .map(c => `${c.kind} ${c.name}`),
  );
  return env.changes.changes.map(c => ({ ...c }));
}
