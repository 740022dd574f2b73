import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  stringifyInstanceRef,
  type InstanceRef,
  type MlToolsCatalogRefreshEvent,
} from '@ml-platform/plugin-ml-tools-common';
import type {
  BlueprintRegistry,
  ChartPreflight,
  KeycloakGateway,
  KubernetesGateway,
  MlToolsConfig,
} from '@ml-platform/plugin-ml-tools-node';
import type { InstanceAccess } from './access';
import { ChangeLog } from './plan';

/**
 * What every provisioning action is built from: the parsed config, the two gateways
 * and the blueprint registry.
 *
 * @public
 */
export interface MlToolsActionOptions {
  config: MlToolsConfig;
  kubernetes: KubernetesGateway;
  keycloak: KeycloakGateway;
  blueprints: BlueprintRegistry;
  /**
   * Checks each release's values against its pinned chart before the first write (and
   * in dry runs). Without one, values reach the cluster unchecked.
   */
  preflight?: ChartPreflight;
  /**
   * Asks the ML tools catalog provider for a cycle now, for example by publishing
   * `ML_TOOLS_CATALOG_REFRESH_TOPIC` on the events service (what the module does).
   * Called once a deploy or a decommission succeeded, so the instance appears in or
   * leaves the catalog without waiting for the schedule. A failure is only logged.
   */
  requestCatalogRefresh?: (event: MlToolsCatalogRefreshEvent) => Promise<void>;
  /**
   * Who may change what: owners and role-mapping groups must be Group entities, and an
   * existing instance is changed only by its owner group's members or holders of
   * `ml-tools.instance.manage`. The module always sets it; actions built without it
   * (unit tests that call them directly) make no catalog or caller check.
   */
  access?: InstanceAccess;
}

/** The services and switches of one step run. */
export interface StepEnv {
  config: MlToolsConfig;
  k8s: KubernetesGateway;
  kc: KeycloakGateway;
  changes: ChangeLog;
  dryRun: boolean;
  logger: Pick<LoggerService, 'info' | 'warn'>;
  /**
   * Namespaces this run created (or would create): nothing can exist in them yet, so
   * objects there are created without a lookup first.
   */
  newNamespaces: Set<string>;
}

/** Who an object belongs to. */
export interface InstanceIdentity {
  cluster: string;
  namespace: string;
  name: string;
  tool: string;
  ownerName: string;
  /** `<cluster>/<namespace>/<name>`. */
  ref: string;
}

export function makeIdentity(
  instance: InstanceRef,
  tool: string,
  ownerName: string,
): InstanceIdentity {
  return {
    ...instance,
    tool,
    ownerName,
    ref: stringifyInstanceRef(instance),
  };
}

export function makeEnv(
  options: MlToolsActionOptions,
  logger: Pick<LoggerService, 'info' | 'warn'>,
  dryRun: boolean,
): StepEnv {
  return {
    config: options.config,
    k8s: options.kubernetes,
    kc: options.keycloak,
    changes: new ChangeLog(logger, dryRun),
    dryRun,
    logger,
    newNamespaces: new Set(),
  };
}
