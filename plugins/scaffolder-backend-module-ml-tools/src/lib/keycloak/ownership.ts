import { ConflictError } from '@backstage/errors';
import {
  KEYCLOAK_ATTRIBUTES,
  ML_PLATFORM_MANAGER,
} from '@ml-platform/plugin-ml-tools-common';
import type {
  KcClient,
  KcClientScope,
} from '@ml-platform/plugin-ml-tools-node';
import type { InstanceIdentity } from '../context';

/** Marks stamped on every client and client scope we create. */
export function ownershipAttributes(
  id: InstanceIdentity,
): Record<string, string> {
  return {
    [KEYCLOAK_ATTRIBUTES.managedBy]: ML_PLATFORM_MANAGER,
    [KEYCLOAK_ATTRIBUTES.instance]: id.ref,
    [KEYCLOAK_ATTRIBUTES.tool]: id.tool,
  };
}

/**
 * Refuses a client (or scope) that exists without our mark, or that belongs to another
 * instance. Runs before any write.
 */
export function assertOwnedClient(
  client: KcClient | undefined,
  id: InstanceIdentity,
  field = 'input.clientId',
): void {
  if (!client) return;
  const attrs = client.attributes ?? {};
  if (attrs[KEYCLOAK_ATTRIBUTES.managedBy] !== ML_PLATFORM_MANAGER) {
    throw new ConflictError(
      `${field}: Keycloak client "${client.clientId}" already exists in realm and is not managed by ${ML_PLATFORM_MANAGER}; choose another clientId`,
    );
  }
  if (attrs[KEYCLOAK_ATTRIBUTES.instance] !== id.ref) {
    throw new ConflictError(
      `${field}: Keycloak client "${client.clientId}" belongs to instance "${
        attrs[KEYCLOAK_ATTRIBUTES.instance] ?? 'unknown'
      }", not "${id.ref}"; choose another clientId`,
    );
  }
}

export function assertOwnedScope(
  scope: KcClientScope | undefined,
  id: InstanceIdentity,
): void {
  if (!scope) return;
  const attrs = scope.attributes ?? {};
  if (
    attrs[KEYCLOAK_ATTRIBUTES.managedBy] !== ML_PLATFORM_MANAGER ||
    attrs[KEYCLOAK_ATTRIBUTES.instance] !== id.ref
  ) {
    throw new ConflictError(
      `input.clientId: Keycloak client scope "${scope.name}" already exists and was not created for instance "${id.ref}"; choose another clientId`,
    );
  }
}

export function audienceScopeName(clientId: string): string {
  return `${clientId}-audience`;
}
