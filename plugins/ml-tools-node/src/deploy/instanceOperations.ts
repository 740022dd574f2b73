import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';

/**
 * One change an instance operation made, or in a dry run would make.
 *
 * @public
 */
export interface MlToolsInstanceChange {
  target: 'kubernetes' | 'keycloak';
  kind: string;
  name: string;
  action: string;
  detail?: string;
}

/**
 * What removing an instance, or what is left of one, takes.
 *
 * @public
 */
export interface MlToolsInstanceRemoval {
  /** `<cluster>/<namespace>/<name>`. */
  instanceRef: string;
  /** The Keycloak client to remove, when it is not named after the instance. */
  clientId?: string;
  /** Keep volumes and the generated credentials that open them. */
  keepData: boolean;
  dryRun: boolean;
  logger: Pick<LoggerService, 'info' | 'warn'>;
}

/**
 * Removes instances the way the decommission action does (the same code): releases and
 * their objects, Keycloak clients and scopes, Secrets, groups made for them. The caller
 * has checked that the removal is allowed.
 *
 * @public
 */
export interface MlToolsInstanceRemover {
  /** NotFoundError when nothing of the instance exists. */
  remove(
    removal: MlToolsInstanceRemoval,
  ): Promise<{ changes: MlToolsInstanceChange[] }>;
}

/**
 * Instance operations shared between the plugins of one backend: the scaffolder module,
 * which owns the provisioning code, provides the remover; the `ml-tools` backend's
 * fleet routes use it. Absent when that module is not installed in this backend.
 *
 * @public
 */
export interface MlToolsInstanceOperationsService {
  /** Called once by the module that owns the provisioning code. */
  provideRemover(remover: MlToolsInstanceRemover): void;
  /** The remover, once provided. */
  remover(): MlToolsInstanceRemover | undefined;
}

/**
 * Root service holding the {@link MlToolsInstanceOperationsService} of a backend.
 *
 * @public
 */
export const mlToolsInstanceOperationsServiceRef =
  createServiceRef<MlToolsInstanceOperationsService>({
    id: 'ml-tools.instance-operations',
    scope: 'root',
    defaultFactory: async service =>
      createServiceFactory({
        service,
        deps: {},
        factory() {
          let provided: MlToolsInstanceRemover | undefined;
          return {
            provideRemover(remover) {
              provided = remover;
            },
            remover: () => provided,
          };
        },
      }),
  });
