/**
 * Ids of the tools the suite ships blueprints for. Platform teams may register more
 * through the blueprint extension point, so consumers must accept any string.
 *
 * @public
 */
export const BUILT_IN_TOOL_IDS = [
  'mlflow',
  'airflow',
  'jupyterhub',
  'minio',
  'keycloak',
  'auth-proxy',
  'pixano',
  'debiai',
  'kubeflow-profile',
] as const;

/**
 * One of {@link BUILT_IN_TOOL_IDS}.
 *
 * @public
 */
export type BuiltInToolId = (typeof BUILT_IN_TOOL_IDS)[number];

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
