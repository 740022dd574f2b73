import { InputError } from '@backstage/errors';
import { z } from 'zod';
import type { K8sObject } from '../kubernetes/types';
import { MAIN_COMPONENT } from './context';
import type {
  BlueprintContext,
  BlueprintObject,
  BlueprintPart,
  ToolBlueprint,
} from './types';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** The access roles Kubeflow's access management offers, each bound to `kubeflow-<role>`. */
const ROLES: readonly KubeflowRole[] = ['admin', 'edit', 'view'];

/**
 * A Kubeflow access role: `admin`, `edit` or `view`.
 *
 * @public
 */
export type KubeflowRole = 'admin' | 'edit' | 'view';

/** Kubernetes quantities, as the Profile CRD's `resourceQuotaSpec.hard` accepts them. */
const quantity = z
  .string()
  .regex(
    /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/,
    'must be a Kubernetes quantity such as 4, 500m or 16Gi',
  );

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/**
 * Parameters of the Kubeflow profile blueprint.
 *
 * @public
 */
export const kubeflowProfileParametersSchema = z
  .object({
    ownerEmail: z
      .string()
      .max(254)
      .regex(EMAIL, 'must be an email address')
      .describe(
        "The profile's owner (spec.owner, kind User): the user id Kubeflow reads from its user id header",
      )
      .meta({ examples: ['owner@example.com'] }),
    contributors: z
      .array(
        z
          .object({
            user: z
              .string()
              .max(254)
              .regex(EMAIL, 'must be an email address')
              .describe('User id of the contributor, as in the user id header'),
            role: z.enum(ROLES).describe('admin, edit or view'),
          })
          .strict(),
      )
      .max(200)
      .optional()
      .describe('Users given access to the profile namespace, one role each'),
    cpu: quantity.optional().describe('Quota: total CPU requests'),
    memory: quantity.optional().describe('Quota: total memory requests'),
    gpu: quantity.optional().describe('Quota: total nvidia.com/gpu requests'),
    storage: quantity
      .optional()
      .describe('Quota: total storage requested by volume claims'),
    awsIamRole: z
      .string()
      .max(2048)
      .regex(
        /^arn:aws[a-z-]*:iam::[0-9]{12}:role\/[\w+=,.@/-]+$/,
        'must be an IAM role ARN such as arn:aws:iam::123456789012:role/name',
      )
      .optional()
      .describe(
        "IAM role for the profile's default-editor ServiceAccount (Kubeflow's AwsIamForServiceAccount plugin)",
      ),
    awsIamAnnotateOnly: z
      .boolean()
      .default(true)
      .describe(
        "Only annotate the ServiceAccount; when false, the profile controller also edits the role's trust policy",
      ),
  })
  .strict();

/**
 * Parameters of the Kubeflow profile blueprint, after defaults.
 *
 * @public
 */
export type KubeflowProfileParameters = z.infer<
  typeof kubeflowProfileParametersSchema
>;

/**
 * Platform settings of the Kubeflow profile blueprint (`mlTools.tools.kubeflow-profile`).
 *
 * @public
 */
export const kubeflowProfileSettingsSchema = z
  .object({
    groupAccess: z
      .enum(['native', 'expand'])
      .default('expand')
      .describe(
        "native: one RoleBinding with a Group subject and one policy on the groups header per group (a Kubeflow with group support); expand: each group's Keycloak members become user contributors (any Kubeflow)",
      ),
    /** Kubeflow's central dashboard, for links to the profile (`?ns=<profile>`). */
    dashboardUrl: z.string().url().optional(),
    userIdHeader: z.string().min(1).default('kubeflow-userid'),
    userIdPrefix: z.string().default(''),
    groupsHeader: z.string().min(1).default('kubeflow-groups'),
    /**
     * When set, group policies match this JWT claim (a list) instead of the groups
     * header: Istio matches a header value only whole, by prefix or by suffix.
     */
    groupsClaim: z.string().min(1).optional(),
    /** Which Keycloak attribute is the user id Kubeflow sees, when groups are expanded. */
    userIdAttribute: z.enum(['email', 'username']).default('email'),
    ingressGatewayPrincipal: z
      .string()
      .min(1)
      .default(
        'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
      ),
    pipelinesUiPrincipal: z
      .string()
      .min(1)
      .default('cluster.local/ns/kubeflow/sa/ml-pipeline-ui'),
  })
  .strict();

/**
 * Settings of the Kubeflow profile blueprint, after defaults.
 *
 * @public
 */
export type KubeflowProfileSettings = z.infer<
  typeof kubeflowProfileSettingsSchema
>;

type Ctx = BlueprintContext<KubeflowProfileParameters, KubeflowProfileSettings>;

/**
 * The name Kubeflow's access management gives a contributor's RoleBinding and
 * AuthorizationPolicy: subject kind, subject name, `ClusterRole` and the role, joined by
 * dashes, lower case, every run of characters other than letters and digits made one
 * dash (`user-alice-example-com-clusterrole-edit`).
 *
 * @public
 */
export function kubeflowBindingName(
  subjectKind: 'User' | 'Group',
  subject: string,
  role: KubeflowRole,
): string {
  const runs = /[^a-zA-Z0-9]+/g;
  return [subjectKind, subject.replace(runs, '-'), 'ClusterRole', role]
    .join('-')
    .toLowerCase()
    .replace(runs, '-');
}

/** The sources Kubeflow lets through with a user's identity header. */
function principals(ctx: Ctx): string[] {
  return [
    ctx.settings.ingressGatewayPrincipal,
    ctx.settings.pipelinesUiPrincipal,
  ];
}

/** What a group's policy matches: the groups claim when configured, else the header. */
function groupCondition(ctx: Ctx, group: string) {
  if (ctx.settings.groupsClaim) {
    return {
      key: `request.auth.claims[${ctx.settings.groupsClaim}]`,
      values: [group],
    };
  }
  // The header lists the user's groups, comma-separated: Istio matches a value whole,
  // by prefix or by suffix, so the group alone, first or last.
  return {
    key: `request.headers[${ctx.settings.groupsHeader}]`,
    values: [group, `${group},*`, `*,${group}`],
  };
}

function contributorObjects(
  ctx: Ctx,
  subjectKind: 'User' | 'Group',
  subject: string,
  role: KubeflowRole,
): BlueprintObject[] {
  const name = kubeflowBindingName(subjectKind, subject, role);
  const namespace = ctx.instance.name;
  const annotations = {
    [subjectKind === 'User' ? 'user' : 'group']: subject,
    role,
  };
  const when =
    subjectKind === 'User'
      ? {
          key: `request.headers[${ctx.settings.userIdHeader}]`,
          values: [`${ctx.settings.userIdPrefix}${subject}`],
        }
      : groupCondition(ctx, subject);
  const roleBinding: K8sObject = {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'RoleBinding',
    metadata: { name, namespace, annotations },
    roleRef: {
      apiGroup: RBAC_GROUP,
      kind: 'ClusterRole',
      name: `kubeflow-${role}`,
    },
    subjects: [{ apiGroup: RBAC_GROUP, kind: subjectKind, name: subject }],
  };
  const policy: K8sObject = {
    apiVersion: 'security.istio.io/v1beta1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace, annotations },
    spec: {
      rules: [
        { from: [{ source: { principals: principals(ctx) } }], when: [when] },
      ],
    },
  };
  const component =
    subjectKind === 'User' ? 'contributor' : 'group-contributor';
  return [
    { type: 'object', component, manifest: roleBinding },
    { type: 'object', component, manifest: policy },
  ];
}

/** Group paths of each role, as the template mapped them. */
function groupsByRole(ctx: Ctx): Array<[KubeflowRole, string]> {
  return ROLES.flatMap(role =>
    (ctx.roleMappings[role] ?? []).map(
      path => [role, path] as [KubeflowRole, string],
    ),
  );
}

/** Each user's roles: the direct contributors, plus expanded group members. */
function userContributors(ctx: Ctx): Array<[string, KubeflowRole]> {
  const pairs: Array<[string, KubeflowRole]> = (
    ctx.params.contributors ?? []
  ).map(c => [c.user, c.role]);
  if (ctx.settings.groupAccess === 'expand') {
    for (const [role, path] of groupsByRole(ctx)) {
      for (const member of ctx.groupMembers?.[path] ?? []) {
        const id =
          ctx.settings.userIdAttribute === 'email'
            ? member.email
            : member.username;
        if (!id) {
          throw new InputError(
            `Invalid input: input.roleMappings.${role}: member "${member.username}" of group ${path} has no ${ctx.settings.userIdAttribute}, which Kubeflow identifies users by`,
          );
        }
        pairs.push([id, role]);
      }
    }
  }
  const seen = new Set<string>();
  return pairs.filter(([user, role]) => {
    const key = `${user.toLowerCase()}\u0000${role}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function profile(ctx: Ctx): K8sObject {
  const p = ctx.params;
  const hard: Record<string, string> = {
    ...(p.cpu ? { cpu: p.cpu } : {}),
    ...(p.memory ? { memory: p.memory } : {}),
    ...(p.gpu ? { 'requests.nvidia.com/gpu': p.gpu } : {}),
    ...(p.storage ? { 'requests.storage': p.storage } : {}),
  };
  return {
    apiVersion: 'kubeflow.org/v1',
    kind: 'Profile',
    metadata: { name: ctx.instance.name },
    spec: {
      owner: { kind: 'User', name: p.ownerEmail },
      ...(Object.keys(hard).length ? { resourceQuotaSpec: { hard } } : {}),
      ...(p.awsIamRole
        ? {
            plugins: [
              {
                kind: 'AwsIamForServiceAccount',
                spec: {
                  awsIamRole: p.awsIamRole,
                  annotateOnly: p.awsIamAnnotateOnly,
                },
              },
            ],
          }
        : {}),
    },
  };
}

function parts(ctx: Ctx): BlueprintPart[] {
  const out: BlueprintPart[] = [
    {
      type: 'object',
      component: MAIN_COMPONENT,
      manifest: profile(ctx),
      // The contributors' objects live in the namespace the profile controller makes.
      waitForObject: {
        apiVersion: 'v1',
        kind: 'Namespace',
        name: ctx.instance.name,
      },
    },
  ];
  const names = new Set<string>();
  const add = (objects: BlueprintObject[]) => {
    for (const o of objects) {
      const key = `${o.manifest.kind}/${o.manifest.metadata.name}`;
      if (names.has(key)) continue;
      names.add(key);
      out.push(o);
    }
  };
  for (const [user, role] of userContributors(ctx)) {
    add(contributorObjects(ctx, 'User', user, role));
  }
  if (ctx.settings.groupAccess === 'native') {
    for (const [role, path] of groupsByRole(ctx)) {
      add(contributorObjects(ctx, 'Group', path, role));
    }
  }
  return out;
}

/**
 * A Kubeflow profile: the `Profile` (cluster-scoped, named after the instance) from which
 * Kubeflow's profile controller makes the namespace of the same name, its owner's
 * access and its `default-editor` / `default-viewer` ServiceAccounts; a resource quota;
 * an optional IAM role on `default-editor` through the controller's
 * `AwsIamForServiceAccount` plugin. Contributors get what Kubeflow's access management
 * makes for them, so Kubeflow's own "Manage contributors" page lists them: per user, a
 * RoleBinding to `kubeflow-<role>` and an Istio AuthorizationPolicy on the user id
 * header, both named `user-<user>-clusterrole-<role>`. Groups, by the platform's
 * `groupAccess` setting: `native` binds the group itself (`group-<path>-clusterrole-<role>`,
 * a `Group` subject, a policy on the groups header); `expand` binds each member read from
 * Keycloak as a user contributor, and a re-run of the template brings the bindings in
 * step with the groups' membership.
 *
 * @public
 */
export const kubeflowProfileBlueprint: ToolBlueprint<
  KubeflowProfileParameters,
  KubeflowProfileSettings
> = {
  id: 'kubeflow-profile',
  title: 'Kubeflow profile',
  description:
    'A Kubeflow namespace for a user or a team, with a resource quota and contributors by user and by group.',
  category: 'workspace',
  icon: 'workspace',
  docsUrl: 'https://www.kubeflow.org/docs/components/central-dash/profiles/',
  parameters:
    kubeflowProfileParametersSchema as unknown as z.ZodType<KubeflowProfileParameters>,
  settings:
    kubeflowProfileSettingsSchema as unknown as z.ZodType<KubeflowProfileSettings>,
  secrets: [],
  keycloak: {
    clients: [],
    enforcedBy:
      "Kubernetes RBAC (RoleBindings to the ClusterRoles kubeflow-admin, kubeflow-edit and kubeflow-view in the profile's namespace) and Istio AuthorizationPolicies on the user id header (or, for native group access, the groups header) that Kubeflow's gateway sets for signed-in users.",
    roles: [
      {
        name: 'admin',
        description:
          'Manages the namespace and its contributors (kubeflow-admin)',
        defaultGroups: ['owner'],
      },
      {
        name: 'edit',
        description:
          'Creates and changes notebooks, pipelines and other resources in the namespace (kubeflow-edit)',
      },
      {
        name: 'view',
        description: 'Reads the resources of the namespace (kubeflow-view)',
      },
    ],
  },
  groupMembersOf: ctx =>
    ctx.settings.groupAccess === 'expand'
      ? [...new Set(groupsByRole(ctx).map(([, path]) => path))].sort()
      : [],
  parts,
  // The owner (bound by the profile controller) and the direct user contributors.
  roleUsers: ctx => {
    const users: Record<string, string[]> = {
      admin: [ctx.params.ownerEmail],
    };
    for (const c of ctx.params.contributors ?? []) {
      users[c.role] = [...new Set([...(users[c.role] ?? []), c.user])];
    }
    return users;
  },
  objectKinds: [
    { apiVersion: 'kubeflow.org/v1', kind: 'Profile', main: true },
    { apiVersion: `${RBAC_GROUP}/v1`, kind: 'RoleBinding' },
    { apiVersion: 'security.istio.io/v1beta1', kind: 'AuthorizationPolicy' },
    // Made by the profile controller, never by us: listed so that health may read it.
    { apiVersion: 'v1', kind: 'Namespace' },
  ],
  health: {
    conditions: ctx => [
      {
        title: 'Profile',
        apiVersion: 'kubeflow.org/v1',
        kind: 'Profile',
        name: ctx.instance.name,
        // The controller reports failures only (a `Failed` condition), never success.
        failureType: 'Failed',
      },
      {
        title: 'Namespace',
        apiVersion: 'v1',
        kind: 'Namespace',
        name: ctx.instance.name,
      },
    ],
  },
  links: ctx => [
    {
      title: 'Kubeflow documentation: profiles',
      url: 'https://www.kubeflow.org/docs/components/central-dash/profiles/',
      type: 'docs',
      icon: 'docs',
    },
    ...(ctx.settings.dashboardUrl
      ? [
          {
            title: 'Kubeflow dashboard',
            url: `${ctx.settings.dashboardUrl.replace(/\/$/, '')}/?ns=${
              ctx.instance.name
            }`,
            type: 'ui',
            icon: 'dashboard',
          },
          {
            title: 'Kubeflow contributors',
            url: `${ctx.settings.dashboardUrl.replace(
              /\/$/,
              '',
            )}/manage-contributors?ns=${ctx.instance.name}`,
            type: 'ui',
          },
        ]
      : []),
  ],
  catalog: {
    backingStores: () => [],
  },
  decommission: {
    // The namespace, with its notebooks, pipelines and volumes, is the profile's: the
    // controller's owner reference deletes it with the Profile.
    keepWithData: [MAIN_COMPONENT],
  },
  valuesCheckedBy:
    "No Helm chart: the Profile is checked against the profile controller's CRD, the RoleBindings and AuthorizationPolicies against what Kubeflow's access management writes.",
};
