import type { LoggerService } from '@backstage/backend-plugin-api';
import { NotFoundError, ServiceUnavailableError } from '@backstage/errors';
import {
  ML_PLATFORM_ANNOTATIONS,
  ML_PLATFORM_LABELS,
  parseInstanceRef,
  type FleetOrphan,
  type MlToolsCatalogRefreshEvent,
  type OrphanActionChange,
  type OrphanActionResponse,
} from '@ml-platform/plugin-ml-tools-common';
import {
  instanceSelector,
  MAIN_COMPONENT,
  RELEASE_KINDS,
  type K8sObject,
  type KubernetesGateway,
  type MlToolsInstanceRemover,
} from '@ml-platform/plugin-ml-tools-node';

/**
 * Options of {@link FleetOrphanActions}.
 *
 * @public
 */
export interface FleetOrphanActionsOptions {
  kubernetes: KubernetesGateway;
  /** Kinds of the blueprints' main plain objects (instances without a chart). */
  objectKinds: () => Array<{ apiVersion: string; kind: string }>;
  /** The decommission steps, when the module that owns them runs in this backend. */
  remover: () => MlToolsInstanceRemover | undefined;
  /** Asks the catalog provider for a cycle now (after an adoption). */
  requestCatalogRefresh?: (event: MlToolsCatalogRefreshEvent) => Promise<void>;
  logger: LoggerService;
}

/**
 * Adopts or removes an orphan the fleet view listed. The caller has checked the
 * permission and that the orphan is listed now.
 *
 * - Remove a `client-without-release`: the decommission steps for what is left of its
 *   instance, keeping data (volumes and generated credentials, which a release may
 *   still need): the client, its audience scope and the Secret holding its secret go.
 * - Remove a `release-without-entity`: the decommission steps, as the decommission
 *   action runs them (`keepData` as it takes it).
 * - Adopt a `release-without-entity`: its main release gets the owner the caller named
 *   (annotation and label, which the catalog provider builds the entity's owner from;
 *   a release without them is skipped by the provider), then a catalog refresh of it.
 *
 * @public
 */
export class FleetOrphanActions {
  constructor(private readonly options: FleetOrphanActionsOptions) {}

  /** Removes the orphan (or, in a dry run, says what would go). */
  async remove(
    orphan: FleetOrphan,
    request: { dryRun: boolean; keepData: boolean },
  ): Promise<OrphanActionResponse> {
    const remover = this.options.remover();
    if (!remover) {
      throw new ServiceUnavailableError(
        'Removing orphans runs the decommission steps of the ML tools scaffolder module, which is not installed in this backend',
      );
    }
    const isClient = orphan.kind === 'client-without-release';
    const { changes } = await remover.remove({
      instanceRef: orphan.instanceRef,
      ...(isClient ? { clientId: orphan.id } : {}),
      keepData: isClient || request.keepData,
      dryRun: request.dryRun,
      logger: this.options.logger,
    });
    if (!request.dryRun) {
      this.options.logger.info(
        `Removed orphan ${orphan.kind} ${orphan.id}: ${
          changes.filter(c => c.action === 'delete').length
        } object(s) deleted`,
      );
    }
    return {
      kind: orphan.kind,
      id: orphan.id,
      action: 'remove',
      dryRun: request.dryRun,
      changes: changes.map(c => ({
        target: c.target,
        kind: c.kind,
        name: c.name,
        action: c.action,
        ...(c.detail ? { detail: c.detail } : {}),
      })),
    };
  }

  /**
   * Gives a release without entity the owner named by `owner` (an entity ref the caller
   * checked to be a Group or User of the catalog), then asks the catalog for it.
   */
  async adopt(
    orphan: FleetOrphan,
    request: { dryRun: boolean; owner: { ref: string; name: string } },
  ): Promise<OrphanActionResponse> {
    const { cluster, namespace, name } = parseInstanceRef(orphan.instanceRef);
    const main = await this.mainObject(cluster, namespace, name);
    if (!main) {
      throw new NotFoundError(
        `Orphan ${orphan.id} has no main release or object left in cluster ${cluster}`,
      );
    }
    const labels = main.metadata.labels ?? {};
    const annotations = main.metadata.annotations ?? {};
    const unchanged =
      annotations[ML_PLATFORM_ANNOTATIONS.owner] === request.owner.ref &&
      labels[ML_PLATFORM_LABELS.owner] === request.owner.name;
    const change: OrphanActionChange = {
      target: 'kubernetes',
      kind: main.kind,
      name: `${main.metadata.namespace ? `${main.metadata.namespace}/` : ''}${
        main.metadata.name
      }`,
      action: unchanged ? 'unchanged' : 'update',
      detail: `owner ${request.owner.ref}`,
    };
    if (!request.dryRun) {
      if (!unchanged) {
        // The whole object, as read, with the owner set: applying only the metadata
        // with the suite's field manager would drop the spec it owns.
        await this.options.kubernetes.apply(cluster, {
          apiVersion: main.apiVersion,
          kind: main.kind,
          metadata: {
            name: main.metadata.name,
            ...(main.metadata.namespace
              ? { namespace: main.metadata.namespace }
              : {}),
            labels: {
              ...labels,
              [ML_PLATFORM_LABELS.owner]: request.owner.name,
            },
            annotations: {
              ...annotations,
              [ML_PLATFORM_ANNOTATIONS.owner]: request.owner.ref,
            },
          },
          ...(main.spec !== undefined ? { spec: main.spec } : {}),
        } as K8sObject);
      }
      await this.options.requestCatalogRefresh?.({
        instanceRef: orphan.instanceRef,
      });
      this.options.logger.info(
        `Adopted orphan ${orphan.id} for ${request.owner.ref}`,
      );
    }
    return {
      kind: orphan.kind,
      id: orphan.id,
      action: 'adopt',
      dryRun: request.dryRun,
      changes: [change],
    };
  }

  /** The object that stands for the instance: its main release, or main plain object. */
  private async mainObject(
    cluster: string,
    namespace: string,
    name: string,
  ): Promise<K8sObject | undefined> {
    const kinds = [...RELEASE_KINDS, ...this.options.objectKinds()];
    for (const kind of kinds) {
      const found = await this.options.kubernetes.list(cluster, {
        apiVersion: kind.apiVersion,
        kind: kind.kind,
        labelSelector: instanceSelector(name),
      });
      const main = found.find(
        o =>
          // The orphan list names an instance by where its release object lives.
          (o.metadata.namespace ?? '') === namespace &&
          (o.metadata.labels?.[ML_PLATFORM_LABELS.component] ===
            MAIN_COMPONENT ||
            o.metadata.name === name),
      );
      if (main) return { ...main, kind: main.kind ?? kind.kind };
    }
    return undefined;
  }
}
