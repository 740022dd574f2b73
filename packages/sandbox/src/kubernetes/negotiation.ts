import { groupVersion, ResourceType } from './resources';

/**
 * The BOOKMARK event that ends the initial events of a watch opened with
 * `sendInitialEvents=true` (a "watch list"): clients that stream a list this way
 * (client-go's reflector, Helm 4's readiness watcher) wait for it before they trust
 * what they have, and give up without it.
 */
export function initialEventsEnd(
  rt: ResourceType,
  version: string,
  resourceVersion: string,
): unknown {
  return {
    type: 'BOOKMARK',
    object: {
      kind: rt.kind,
      apiVersion: groupVersion(rt.group, version),
      metadata: {
        resourceVersion,
        annotations: { 'k8s.io/initial-events-end': 'true' },
      },
    },
  };
}
