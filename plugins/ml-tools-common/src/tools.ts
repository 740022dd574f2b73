/**
 * Identifies one deployed instance: the cluster and namespace it runs in and its name
 * (the release name, unique across the cluster).
 *
 * @public
 */
export interface InstanceRef {
  cluster: string;
  namespace: string;
  name: string;
}

/**
 * Formats an {@link InstanceRef} as `<cluster>/<namespace>/<name>`, the form used in
 * annotations and Keycloak attributes.
 *
 * @public
 */
export function stringifyInstanceRef(ref: InstanceRef): string {
  return `${ref.cluster}/${ref.namespace}/${ref.name}`;
}

/**
 * Parses `<cluster>/<namespace>/<name>`; throws a TypeError naming the value otherwise.
 *
 * @public
 */
export function parseInstanceRef(value: string): InstanceRef {
  const parts = value.split('/');
  if (parts.length !== 3 || parts.some(p => p.length === 0)) {
    throw new TypeError(
      `Invalid instance ref "${value}", expected <cluster>/<namespace>/<name>`,
    );
  }
  const [cluster, namespace, name] = parts;
  return { cluster, namespace, name };
}

/**
 * Longest instance name the provisioning actions accept: leaves room for the suffixes
 * charts add to the release name (`<name>-postgresql`) within Kubernetes' 63 characters.
 *
 * @public
 */
export const MAX_INSTANCE_NAME = 40;
