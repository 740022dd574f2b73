import { InputError } from '@backstage/errors';
import { z as zv3 } from 'zod/v3';
import { MAX_INSTANCE_NAME } from '@ml-platform/plugin-ml-tools-common';
import type { MlToolsConfig } from '@ml-platform/plugin-ml-tools-node';

/** The zod flavour the scaffolder hands to action schemas. */
export type Zod = typeof zv3;

export { MAX_INSTANCE_NAME };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Field builders shared by every action, each with its description. */
export const fields = {
  cluster: (z: Zod) =>
    z
      .string()
      .regex(DNS_LABEL, 'must be a DNS-1123 label')
      .optional()
      .describe(
        'Name of a cluster configured under mlTools.clusters; the first configured cluster when omitted',
      ),
  namespace: (z: Zod) =>
    z
      .string()
      .min(1)
      .max(63, 'must be at most 63 characters')
      .regex(
        DNS_LABEL,
        "must be a DNS-1123 label: lower case a-z, 0-9 and '-', starting and ending with a letter or digit",
      )
      .describe(
        'Kubernetes namespace; must match one of mlTools.namespaces.allowed',
      ),
  name: (z: Zod) =>
    z
      .string()
      .min(1)
      .max(MAX_INSTANCE_NAME, `must be at most ${MAX_INSTANCE_NAME} characters`)
      .regex(
        DNS_LABEL,
        "must be a DNS-1123 label: lower case a-z, 0-9 and '-', starting and ending with a letter or digit",
      )
      .describe(
        'Instance name: the Helm release name, unique across the whole cluster, and the prefix of every object of the instance',
      ),
  tool: (z: Zod) =>
    z
      .string()
      .regex(DNS_LABEL, 'must be a blueprint id')
      .describe('Blueprint id of the tool, such as mlflow'),
  owner: (z: Zod) =>
    z
      .string()
      .min(1)
      .describe(
        'Entity ref of the owning group, such as group:default/data-science',
      ),
};

function formatPath(path: ReadonlyArray<string | number>): string {
  return path.reduce<string>(
    (acc, part) =>
      typeof part === 'number' ? `${acc}[${part}]` : `${acc}.${part}`,
    'input',
  );
}

/**
 * Parses action input with its own schema: the scaffolder validates the JSON schema
 * first, but direct callers (and refinements JSON schema cannot express) need this.
 * Fails with an InputError naming every offending field.
 */
export function parseInput<T extends zv3.ZodTypeAny>(
  schema: (z: Zod) => T,
  input: unknown,
): zv3.output<T> {
  const built = schema(zv3);
  // Unknown inputs are refused here rather than by the action's JSON schema, whose
  // refusal the scaffolder logs with its own stack trace.
  const strict = built instanceof zv3.ZodObject ? built.strict() : built;
  const result = strict.safeParse(input);
  if (!result.success) {
    throw new InputError(
      `Invalid input: ${result.error.issues
        .map(issue =>
          issue.code === 'unrecognized_keys'
            ? issue.keys
                .map(
                  k =>
                    `${formatPath([
                      ...issue.path,
                      k,
                    ])} is not an input of this action`,
                )
                .join('; ')
            : `${formatPath(issue.path)} ${issue.message}`,
        )
        .join('; ')}`,
    );
  }
  return result.data;
}

/** The cluster to use: the given one if configured, else the default (first). */
export function resolveCluster(
  config: MlToolsConfig,
  cluster: string | undefined,
): string {
  const names = config.clusters.map(c => c.name);
  if (cluster === undefined) return names[0];
  if (!names.includes(cluster)) {
    throw new InputError(
      `Invalid input: input.cluster "${cluster}" is not a configured cluster; configured clusters: ${names.join(
        ', ',
      )}`,
    );
  }
  return cluster;
}

export { assertNamespaceAllowed } from './rules';

/**
 * Checks redirect URIs: absolute, no wildcard, and https unless the host is the local
 * machine. Returns them sorted and de-duplicated.
 */
export function checkRedirectUris(uris: string[], field: string): string[] {
  for (const [i, uri] of uris.entries()) {
    const where = `${field}[${i}]`;
    if (uri.includes('*')) {
      throw new InputError(
        `Invalid input: ${where} "${uri}" contains a wildcard; list exact redirect URIs`,
      );
    }
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new InputError(
        `Invalid input: ${where} "${uri}" is not an absolute URL`,
      );
    }
    const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    if (url.protocol === 'http:' && !local) {
      throw new InputError(
        `Invalid input: ${where} "${uri}" uses plain http to a host other than localhost; use https`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InputError(
        `Invalid input: ${where} "${uri}" must use https (or http to localhost)`,
      );
    }
    if (url.username || url.password) {
      throw new InputError(
        `Invalid input: ${where} must not carry credentials`,
      );
    }
  }
  return [...new Set(uris)].sort();
}
