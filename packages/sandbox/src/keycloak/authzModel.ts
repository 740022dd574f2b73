import { randomUUID } from 'node:crypto';
import type { AuthzState, ClientState } from './model';

/**
 * The resource server a client gets when authorization services are enabled: Keycloak
 * seeds it with a default resource, a default policy and a permission tying them.
 */
export function defaultAuthz(client: ClientState): AuthzState {
  const resourceType = `urn:${client.clientId}:resources:default`;
  const resourceId = randomUUID();
  const policyId = randomUUID();
  return {
    allowRemoteResourceManagement: false,
    policyEnforcementMode: 'ENFORCING',
    decisionStrategy: 'UNANIMOUS',
    scopes: [],
    resources: [
      {
        id: resourceId,
        name: 'Default Resource',
        type: resourceType,
        uris: ['/*'],
        ownerManagedAccess: false,
        attributes: {},
        scopeIds: [],
      },
    ],
    policies: [
      {
        id: policyId,
        name: 'Default Policy',
        description:
          'A policy that grants access only for users within this realm',
        type: 'js',
        logic: 'POSITIVE',
        decisionStrategy: 'AFFIRMATIVE',
        config: {},
        resourceIds: [],
        scopeIds: [],
        policyIds: [],
      },
      {
        id: randomUUID(),
        name: 'Default Permission',
        description: 'A permission that applies to the default resource type',
        type: 'resource',
        logic: 'POSITIVE',
        decisionStrategy: 'UNANIMOUS',
        config: { defaultResourceType: resourceType },
        resourceIds: [],
        scopeIds: [],
        policyIds: [policyId],
      },
    ],
  };
}
