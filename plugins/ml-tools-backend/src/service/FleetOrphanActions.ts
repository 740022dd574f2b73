import type { LoggerService } from '@backstage/backend-plugin-api';
import { NotFoundError, ServiceUnavailableError } from '@backstage/errors';
import {
  KEYCLOAK_ATTRIBUTES,
  ML_PLATFORM_ANNOTATIONS,
  ML_PLATFORM_LABELS,
  ML_PLATFORM_MANAGER,
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
  type KcClient,
  type KeycloakGateway,
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
  /** The realm the instances' clients live in: adopting re-owns them too. */
  keycloak: KeycloakGateway;
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
 *   a release without them is skipped by the provider), and so do the instance's other
 *   releases and objects the suite manages and its Keycloak clients (owner attribute,
 *   which the client's entity takes its owner from), then a catalog refresh of it. The
 *   instance's Secrets keep their owner label until the next deploy: it only counts when
 *   the main release is gone, and this backend does not read Secrets.
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
   * checked to be a Group or User of the catalog): its releases and objects, and its
   * Keycloak clients; then asks the catalog for it. Whatever already names that owner is
   * left alone, so a second adoption writes nothing.
   */
  async adopt(
    orphan: FleetOrphan,
    request: { dryRun: boolean; owner: { ref: string; name: string } },
  ): Promise<OrphanActionResponse> {
    const { cluster, namespace, name } = parseInstanceRef(orphan.instanceRef);
    const { main, others } = await this.instanceObjects(
      cluster,
      namespace,
      name,
    );
    if (!main) {
      throw new NotFoundError(
        `Orphan ${orphan.id} has no main release or object left in cluster ${cluster}`,
      );
    }
    const clients = (
      await this.options.keycloak.listClientsByAttribute(
        KEYCLOAK_ATTRIBUTES.instance,
        orphan.instanceRef,
      )
    ).filter(
      c =>
        c.attributes?.[KEYCLOAK_ATTRIBUTES.managedBy] === ML_PLATFORM_MANAGER,
    );
    const detail = `owner ${request.owner.ref}`;
    const changes: OrphanActionChange[] = [];
    /** What to write, the main release last (see below). */
    const writes: Array<() => Promise<unknown>> = [];

    for (const object of [...others, main]) {
      const unchanged = hasOwner(object, request.owner);
      changes.push({
        target: 'kubernetes',
        kind: object.kind,
        name: `${
          object.metadata.namespace ? `${object.metadata.namespace}/` : ''
        }${object.metadata.name}`,
        action: unchanged ? 'unchanged' : 'update',
        detail,
      });
      if (!unchanged) {
        writes.push(() =>
          this.options.kubernetes.apply(
            cluster,
            withOwner(object, request.owner),
          ),
        );
      }
    }
    for (const client of clients) {
      const unchanged =
        client.attributes?.[KEYCLOAK_ATTRIBUTES.owner] === request.owner.ref;
      changes.push({
        target: 'keycloak',
        kind: 'client',
        name: client.clientId,
        action: unchanged ? 'unchanged' : 'update',
        detail,
      });
      const id = client.id;
      if (!unchanged && id) {
        // Before the main release: see below.
        writes.unshift(() =>
          this.options.keycloak.updateClient(
            id,
            clientWithOwner(client, request.owner.ref),
          ),
        );
      }
    }

    if (!request.dryRun) {
      // In order, the main release last: until it names the owner the orphan stays
      // listed, so an adoption cut short is listed again and the next one finishes it.
      for (const write of writes) await write();
      await this.options.requestCatalogRefresh?.({
        instanceRef: orphan.instanceRef,
      });
      this.options.logger.info(
        `Adopted orphan ${orphan.id} for ${request.owner.ref}: ${writes.length} change(s)`,
      );
    }
    return {
      kind: orphan.kind,
      id: orphan.id,
      action: 'adopt',
      dryRun: request.dryRun,
      changes,
    };
  }

  /**
   * The instance's releases and plain objects in its namespace: the one that stands for
   * it (its main release, or main plain object) and the others the suite manages.
   */
  private async instanceObjects(
    cluster: string,
    namespace: string,
    name: string,
  ): Promise<{ main?: K8sObject; others: K8sObject[] }> {
    const kinds = [...RELEASE_KINDS, ...this.options.objectKinds()];
    const found: K8sObject[] = [];
    for (const kind of kinds) {
      const items = await this.options.kubernetes.list(cluster, {
        apiVersion: kind.apiVersion,
        kind: kind.kind,
        labelSelector: instanceSelector(name),
      });
      for (const o of items) {
        // The orphan list names an instance by where its release object lives.
        if ((o.metadata.namespace ?? '') === namespace) {
          found.push({ ...o, kind: o.kind ?? kind.kind });
        }
      }
    }
    const main = found.find(
      o =>
        o.metadata.labels?.[ML_PLATFORM_LABELS.component] === MAIN_COMPONENT ||
        o.metadata.name === name,
    );
    const others = found.filter(
      o =>
        o !== main &&
        o.metadata.labels?.[ML_PLATFORM_LABELS.managedBy] ===
          ML_PLATFORM_MANAGER,
    );
    return { main, others };
  }
}

/** Whether the object already names the owner (label and annotation). */
function hasOwner(object: K8sObject, owner: { ref: string; name: string }) {
  return (
    object.metadata.annotations?.[ML_PLATFORM_ANNOTATIONS.owner] ===
      owner.ref &&
    object.metadata.labels?.[ML_PLATFORM_LABELS.owner] === owner.name
  );
}

/**
 * The whole object, as read, with the owner set: applying only the metadata with the
 * suite's field manager would drop the spec it owns.
 */
function withOwner(
  object: K8sObject,
  owner: { ref: string; name: string },
): K8sObject {
  const { metadata } = object;
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: {
      name: metadata.name,
      ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
      labels: { ...metadata.labels, [ML_PLATFORM_LABELS.owner]: owner.name },
      annotations: {
        ...metadata.annotations,
        [ML_PLATFORM_ANNOTATIONS.owner]: owner.ref,
      },
    },
    ...(object.spec !== undefined ? { spec: object.spec } : {}),
  } as K8sObject;
}

/** The client as read, with the owner attribute set (as the deploy updates clients). */
function clientWithOwner(client: KcClient, ownerRef: string): KcClient {
  const { protocolMappers: _mappers, ...rest } = client;
  return {
    ...rest,
    attributes: { ...client.attributes, [KEYCLOAK_ATTRIBUTES.owner]: ownerRef },
  };
}
