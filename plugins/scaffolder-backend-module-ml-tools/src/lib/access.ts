import type {
  AuthService,
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  parseEntityRef,
  RELATION_MEMBER_OF,
  stringifyEntityRef,
  type Entity,
} from '@backstage/catalog-model';
import { InputError, NotAllowedError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { mlToolsInstanceManagePermission } from '@ml-platform/plugin-ml-tools-common';

/**
 * The part of the scaffolder's action context that says who runs the task.
 *
 * @public
 */
export interface TaskCaller {
  user?: { ref?: string };
  getInitiatorCredentials?: () => Promise<BackstageCredentials>;
}

/**
 * An instance that exists (fully or in part), as far as ownership goes.
 *
 * @public
 */
export interface OwnedInstance {
  /** `<cluster>/<namespace>/<name>`. */
  ref: string;
  /** Entity ref of its catalog Component, the resource the permission is checked on. */
  entityRef: string;
  /** Entity ref of its current owner group. */
  owner: string;
}

/**
 * Who may change what, read from the catalog and the permission framework: owners and
 * role-mapping groups must be Group entities; an existing instance is changed only by a
 * member of its owner group or by a holder of `ml-tools.instance.manage`.
 *
 * @public
 */
export interface InstanceAccess {
  /** The Group entity an owner ref names; an InputError naming `field` otherwise. */
  assertGroupEntity(ref: string, field: string): Promise<Entity>;
  /** Whether a Group entity of that ref exists. */
  findGroupEntity(ref: string): Promise<Entity | undefined>;
  /** A NotAllowedError naming the owner unless the task's user may change it. */
  assertMayChange(
    caller: TaskCaller,
    instance: OwnedInstance,
    verb: string,
  ): Promise<void>;
}

/** Reads an entity ref as a Group ref (bare names are groups in `default`). */
export function parseGroupRef(ref: string, field: string): string {
  let parsed;
  try {
    parsed = parseEntityRef(ref.trim(), {
      defaultKind: 'group',
      defaultNamespace: 'default',
    });
  } catch {
    throw new InputError(
      `Invalid input: ${field} "${ref}" is not an entity ref such as group:default/data-science`,
    );
  }
  if (parsed.kind.toLocaleLowerCase('en-US') !== 'group') {
    throw new InputError(
      `Invalid input: ${field} "${ref}" must be a Group entity; it names a ${parsed.kind}`,
    );
  }
  return stringifyEntityRef(parsed);
}

/**
 * The catalog- and permission-backed {@link InstanceAccess}.
 *
 * @public
 */
export class CatalogInstanceAccess implements InstanceAccess {
  constructor(
    private readonly deps: {
      catalog: CatalogService;
      auth: AuthService;
      permissions: PermissionsService;
      /**
       * False when the permission framework is off: then every permission check allows,
       * so the manage permission cannot be a grant and only owners change instances.
       */
      permissionsEnabled: boolean;
    },
  ) {}

  private async serviceCredentials() {
    return this.deps.auth.getOwnServiceCredentials();
  }

  async findGroupEntity(ref: string): Promise<Entity | undefined> {
    const entity = await this.deps.catalog.getEntityByRef(ref, {
      credentials: await this.serviceCredentials(),
    });
    return entity?.kind.toLocaleLowerCase('en-US') === 'group'
      ? entity
      : undefined;
  }

  async assertGroupEntity(ref: string, field: string): Promise<Entity> {
    const groupRef = parseGroupRef(ref, field);
    const entity = await this.findGroupEntity(groupRef);
    if (!entity) {
      throw new InputError(
        `Invalid input: ${field} "${ref}" must be an existing Group entity of the catalog; there is no ${groupRef}`,
      );
    }
    return entity;
  }

  async assertMayChange(
    caller: TaskCaller,
    instance: OwnedInstance,
    verb: string,
  ): Promise<void> {
    const refuse = (who: string) =>
      new NotAllowedError(
        `${who} may not ${verb} ${instance.ref}: it is owned by ${instance.owner}; only members of that group or holders of the ${mlToolsInstanceManagePermission.name} permission may`,
      );
    const userRef = caller.user?.ref;
    // A service token or an anonymous task has no group: it never changes an instance
    // that exists, whatever the policy says of service principals (they are allowed all).
    if (!userRef) throw refuse('A task without a signed-in user');
    const user = await this.deps.catalog.getEntityByRef(userRef, {
      credentials: await this.serviceCredentials(),
    });
    // Guests and users unknown to the catalog hold no membership a policy could check.
    if (!user || user.kind.toLocaleLowerCase('en-US') !== 'user') {
      throw refuse(`${userRef} (not a User entity of the catalog)`);
    }
    const owner = normalise(instance.owner);
    const identities = [
      normalise(userRef),
      ...(user.relations ?? [])
        .filter(r => r.type === RELATION_MEMBER_OF)
        .map(r => normalise(r.targetRef)),
    ];
    if (identities.includes(owner)) return;
    if (this.deps.permissionsEnabled && caller.getInitiatorCredentials) {
      const credentials = await caller.getInitiatorCredentials();
      const [decision] = await this.deps.permissions.authorize(
        [
          {
            permission: mlToolsInstanceManagePermission,
            resourceRef: instance.entityRef,
          },
        ],
        { credentials },
      );
      if (decision.result === AuthorizeResult.ALLOW) return;
    }
    throw refuse(userRef);
  }
}

function normalise(ref: string): string {
  try {
    return stringifyEntityRef(
      parseEntityRef(ref, {
        defaultKind: 'group',
        defaultNamespace: 'default',
      }),
    ).toLocaleLowerCase('en-US');
  } catch {
    return ref.toLocaleLowerCase('en-US');
  }
}
