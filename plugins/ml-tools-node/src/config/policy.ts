import { z } from 'zod';

/**
 * Namespaces no template may target, whatever `mlTools.namespaces.allowed` says: the
 * cluster's own and those of the usual platform controllers. `*` matches any run of
 * DNS-label characters.
 *
 * @public
 */
export const SYSTEM_NAMESPACE_PATTERNS: readonly string[] = Object.freeze([
  'kube-*',
  'default',
  'flux-system',
  'argocd',
  'cert-manager',
  'istio-system',
  'ingress-nginx',
  'gatekeeper-system',
  'kyverno',
  'openshift-*',
]);

/**
 * What bounds the groups a template may map to a tool's roles, as configured under
 * `mlTools.groups`.
 *
 * @public
 */
export interface MlToolsGroupsConfig {
  /** At most this many groups per role (default 20). */
  readonly maxPerRole: number;
  /** At most this many segments in a group path (default 5). */
  readonly maxDepth: number;
  /** At most this many characters in a group path (default 255). */
  readonly maxPathLength: number;
  /** Regular expression every segment of a group to be created must match. */
  readonly newGroupPattern: string;
  /** The same rule in words, for refusals. */
  readonly newGroupRule: string;
}

/** The default rule for the segments of groups the suite creates. */
const DEFAULT_NEW_GROUP_PATTERN = '^[a-z0-9]([-a-z0-9_.]{0,61}[a-z0-9])?$';
const DEFAULT_NEW_GROUP_RULE =
  "lower-case letters, digits, '-', '_' and '.', starting and ending with a letter or digit, at most 63 characters";

const namespacePattern = z
  .string()
  .regex(
    /^[a-z0-9*]([-a-z0-9*]*[a-z0-9*])?$/,
    'must be a namespace name where * matches any run of characters',
  );

/** Schema of `mlTools.namespaces`. */
export const namespacesSchema = z.object({
  allowed: z.array(namespacePattern).min(1, 'must list at least one pattern'),
  denied: z.array(namespacePattern).default(['ml-tools']),
});

/** Schema of `mlTools.groups`. */
export const groupsSchema = z
  .object({
    maxPerRole: z.number().int().min(1).max(1000).default(20),
    maxDepth: z.number().int().min(1).max(20).default(5),
    maxPathLength: z.number().int().min(2).max(1024).default(255),
    newGroupPattern: z
      .string()
      .refine(
        v => {
          try {
            return RegExp(v, 'u') instanceof RegExp;
          } catch {
            return false;
          }
        },
        { message: 'must be a regular expression' },
      )
      .optional(),
    newGroupRule: z.string().min(1).optional(),
  })
  .superRefine((g, ctx) => {
    // A custom pattern without its words would leave refusals naming only a regex.
    if (g.newGroupPattern !== undefined && g.newGroupRule === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['newGroupRule'],
        message: 'is required with newGroupPattern: the rule in words',
      });
    }
  })
  .transform(
    (g): MlToolsGroupsConfig => ({
      maxPerRole: g.maxPerRole,
      maxDepth: g.maxDepth,
      maxPathLength: g.maxPathLength,
      newGroupPattern: g.newGroupPattern ?? DEFAULT_NEW_GROUP_PATTERN,
      newGroupRule: g.newGroupRule ?? DEFAULT_NEW_GROUP_RULE,
    }),
  );

/** `mlTools.groups` when the block is absent. */
export const DEFAULT_GROUPS: MlToolsGroupsConfig = groupsSchema.parse({});

function globMatches(pattern: string, value: string): boolean {
  return new RegExp(
    `^${pattern
      .split('*')
      .map(part => part.replace(/[.+?^${}()|[\]\\-]/g, '\\$&'))
      .join('[-a-z0-9]*')}$`,
  ).test(value);
}

/**
 * Why a template may not target `namespace`, in words, or undefined when it may: it must
 * match one of `mlTools.namespaces.allowed` and be neither a system namespace, nor the
 * Argo CD namespace, nor one of `mlTools.namespaces.denied` (the portal's own).
 *
 * @public
 */
export function namespaceRefusal(
  config: {
    namespaces: { allowed: readonly string[]; denied?: readonly string[] };
    deploy?: { driver: string; argocd: { namespace: string } };
  },
  namespace: string,
): string | undefined {
  const system = SYSTEM_NAMESPACE_PATTERNS.find(p => globMatches(p, namespace));
  if (system) {
    return `is a system namespace (${system}); ML tools never go there`;
  }
  if (
    config.deploy?.driver === 'argocd' &&
    namespace === config.deploy.argocd.namespace
  ) {
    return 'is the Argo CD namespace (mlTools.deploy.argocd.namespace)';
  }
  const denied = (config.namespaces.denied ?? []).find(p =>
    globMatches(p, namespace),
  );
  if (denied) {
    return `is reserved for the portal itself (mlTools.namespaces.denied: ${denied})`;
  }
  if (!config.namespaces.allowed.some(p => globMatches(p, namespace))) {
    return `does not match any namespace templates may target (mlTools.namespaces.allowed: ${config.namespaces.allowed.join(
      ', ',
    )})`;
  }
  return undefined;
}
