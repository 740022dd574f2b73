import type { JsonObject } from '@backstage/types';
import type {
  InstanceLink,
  InstanceRef,
} from '@ml-platform/plugin-ml-tools-common';
import type { z } from 'zod';
import type { KcProtocolMapper } from '../keycloak/types';
import type { K8sObject } from '../kubernetes/types';

/**
 * A Helm chart, from a repository named in `mlTools.deploy.chartRepositories`.
 *
 * @public
 */
export interface BlueprintChart {
  /** Name of the chart repository in config. */
  repository: string;
  chart: string;
  version: string;
}

/**
 * How a secret value is generated. Generated values are written once into a Kubernetes
 * Secret and kept on every re-run.
 *
 * @public
 */
export type SecretGenerator =
  /** Letters and digits, `length` characters (default 32). */
  | { kind: 'alphanumeric'; length?: number }
  /** Hex of `bytes` random bytes (default 16). */
  | { kind: 'hex'; bytes?: number }
  /** URL-safe base64 of 32 random bytes: a Fernet key. */
  | { kind: 'fernet' }
  /**
   * An Ed25519 SSH private key in the OpenSSH format (`-----BEGIN OPENSSH PRIVATE
   * KEY-----`, unencrypted), as `ssh`, `git` and git-sync read it. Its public half is
   * available through a `publicKeyOf` key.
   */
  | { kind: 'ssh-ed25519' };

/**
 * One key of the instance's secrets Secret:
 * - `generate`: a secret made once and kept on every re-run;
 * - `value`: a fixed, non-secret value that charts expect next to the secrets (a user name);
 * - `derive`: built from other keys' values (a connection URI embedding a generated
 *   password), recomputed on every run so that it follows its sources.
 *
 * Every value lives in the Secret only: charts get it by reference (their existing-secret
 * settings or the release's `valuesFrom`), never in values.
 *
 * @public
 */
export type BlueprintSecret = (
  | { key: string; description: string; generate: SecretGenerator }
  | { key: string; description: string; value: string }
  | {
      key: string;
      description: string;
      derive: {
        /** Keys of this Secret the value is built from (declared before this one). */
        from: string[];
        /** Pure: gets the source values and the (secret-free) context. */
        build: (
          values: Readonly<Record<string, string>>,
          ctx: BlueprintContext,
        ) => string;
      };
    }
  | {
      key: string;
      description: string;
      /**
       * The OpenSSH public key (an `authorized_keys` line) of the `ssh-ed25519` key of
       * this Secret named here. Computed by the suite from the private key, never by the
       * blueprint; being public, it is the one kind of value the deploy action shows in
       * its output (`publicKeys`), to be added as a deploy key.
       */
      publicKeyOf: string;
    }
  | {
      key: string;
      description: string;
      /**
       * Taken from a secret the user typed in the form (the task's secrets, a
       * `ui:field: Secret` field of the template), never from parameters; kept as it is
       * on re-runs that do not give it again.
       */
      fromTaskSecret: string;
      /**
       * When the value must exist (given now or kept from before); the deploy refuses
       * the input before any write otherwise. Never required by default.
       */
      requiredWhen?: (ctx: BlueprintContext) => boolean;
    }
) & {
  /**
   * The Secret the key lives in, `<instance>-<secret>`: `secrets` by default. Charts that
   * read a Secret of a fixed name (a database subchart's `<release>-postgresql`) get it.
   * Derived keys build from keys of the same Secret.
   */
  secret?: string;
};

/**
 * A tool role and the groups it is given to by default.
 *
 * @public
 */
export interface BlueprintRole {
  name: string;
  /** What a holder may do, in the tool's words; shown in forms and on the access card. */
  description: string;
  /**
   * Groups granted this role when the template maps none: `owner` stands for the
   * instance's owner group.
   */
  defaultGroups?: Array<'owner'>;
}

/**
 * One Keycloak client of an instance.
 *
 * @public
 */
export interface BlueprintClient {
  /**
   * Key of the client within the instance: `main` is the instance's own client (clientId
   * = instance name, credentials in `<instance>-oidc`); others get `<instance>-<key>`.
   */
  key: string;
  /** `confidential` clients get a secret, written into a Kubernetes Secret. */
  clientType: 'confidential' | 'public';
  /**
   * Paths on the instance's host allowed as redirect URIs, such as `/oauth2/callback`;
   * a function when they depend on the parameters (which proxy, which tool mode).
   */
  redirectPaths: string[] | ((ctx: BlueprintContext) => string[]);
  /** Adds a client scope with an audience mapper, assigned as a default scope. */
  audienceScope: boolean;
  /** Adds a `groups` claim mapper carrying full group paths (`/team-a/vision`). */
  groupsClaim: boolean;
  /** Further protocol mappers of the client (a custom claim such as a policy). */
  protocolMappers?: (ctx: BlueprintContext) => KcProtocolMapper[];
  /** Adds a generated `cookie-secret` next to the credentials (for the auth proxy). */
  cookieSecret?: boolean;
}

/**
 * The Keycloak side of a tool: its clients and its roles. The roles are client roles of
 * the first client, mapped to the groups the template picks.
 *
 * @public
 */
export interface BlueprintKeycloak<P extends JsonObject = JsonObject> {
  clients: BlueprintClient[];
  roles: BlueprintRole[];
  /**
   * Further roles the parameters define (a named policy made in the form), each with
   * the groups it is granted to: Group entity refs, names or full paths, as in a role
   * mapping. Created and mapped like the others.
   */
  parameterRoles?: (params: P) => Array<BlueprintRole & { groups: string[] }>;
  /** How the tool itself enforces the roles, in a sentence (shown on the access card). */
  enforcedBy: string;
}

/**
 * What a blueprint's functions get to compute values, links and names. Holds no secret
 * values: secrets are referred to by Secret name and key.
 *
 * @public
 */
export interface BlueprintContext<
  P extends JsonObject = JsonObject,
  S extends JsonObject = JsonObject,
> {
  instance: InstanceRef;
  /** Entity ref of the owner group, such as `group:default/data-science`. */
  owner: string;
  /** The owner group's name (label-safe). */
  ownerName: string;
  title: string;
  description?: string;
  /** `<name>.<domain>`. */
  host: string;
  /** `https://<host>`. */
  url: string;
  /** The blueprint's parameters, checked against its schema. */
  params: P;
  /**
   * The platform's settings of the tool (`mlTools.tools.<id>` in config), checked against
   * the blueprint's `settings` schema; `{}` for blueprints with none.
   */
  settings: S;
  /** Tool role → Keycloak group full paths (`/team-a/vision`). */
  roleMappings: Record<string, string[]>;
  /** Name of the Secret holding the blueprint's secrets (those with no `secret` of their own). */
  secretName: string;
  /** Keycloak facts, when the blueprint has clients. */
  keycloak?: {
    issuerUrl: string;
    /** Client key → clientId and the Secret with `client-id`, `client-secret` (and `cookie-secret`). */
    clients: Record<string, { clientId: string; secretName: string }>;
  };
  /** Labels every object of the instance carries. */
  labels: Record<string, string>;
  /**
   * Members of the Keycloak groups the blueprint's `groupMembersOf` names, by full path,
   * read by the deploy before its first write; absent for blueprints that name none.
   */
  groupMembers?: Readonly<Record<string, BlueprintGroupMember[]>>;
}

/**
 * A member of a Keycloak group, as a blueprint that grants access user by user sees it.
 *
 * @public
 */
export interface BlueprintGroupMember {
  username: string;
  email?: string;
}

/**
 * A value a release reads from one of the instance's Secrets when the release controller
 * installs it (Flux `valuesFrom`), for charts with no existing-secret setting.
 *
 * @public
 */
export interface BlueprintValueFromSecret {
  /** The Secret: the instance's secrets (`secrets`) or a client's credentials (`client:<key>`). */
  secret: 'secrets' | `client:${string}`;
  key: string;
  /** Dotted value path the value lands at, such as `auth.existingPassword`. */
  targetPath: string;
}

/**
 * One Helm release of an instance.
 *
 * @public
 */
export interface BlueprintRelease {
  type: 'release';
  /** Release name; the `main` release is named after the instance. */
  name: string;
  /** `main` for the part that stands for the instance, or a part name such as `auth-proxy`. */
  component: string;
  chart: BlueprintChart;
  values: JsonObject;
  valuesFrom?: BlueprintValueFromSecret[];
  /** Wait until Ready before the next part is applied. */
  waitForReady?: boolean;
}

/**
 * One plain Kubernetes object of an instance (a custom resource, a RoleBinding, a
 * ServiceAccount annotation...). It gets the instance's labels and the same
 * server-side apply, dry run and cleanup as releases.
 *
 * @public
 */
export interface BlueprintObject {
  type: 'object';
  /** `main` for the object that stands for the instance, or a part name. */
  component: string;
  manifest: K8sObject;
  /** Wait until the object reports Ready (or exists, for kinds with no status) first. */
  waitForReady?: boolean;
  /**
   * An object a controller makes from this one (the namespace of a profile), waited for
   * until it exists before the next part is applied: later parts may live in it.
   */
  waitForObject?: {
    apiVersion: string;
    kind: string;
    name: string;
    namespace?: string;
  };
}

/**
 * One part of an instance, applied in order.
 *
 * @public
 */
export type BlueprintPart = BlueprintRelease | BlueprintObject;

/**
 * A workload whose readiness says whether the instance is up.
 *
 * @public
 */
export interface BlueprintWorkload {
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  name: string;
  /** The instance's namespace by default. */
  namespace?: string;
}

/**
 * A condition of a custom resource that says whether the instance is up.
 *
 * @public
 */
export interface BlueprintCondition {
  title: string;
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  /** Condition type that must be True; with none, the object existing is enough. */
  type?: string;
  /**
   * Condition type a controller writes only when it fails (it reports no success
   * condition): present and not `False`, the check is an error with its message.
   */
  failureType?: string;
}

/**
 * A backing store of an instance, shown as a catalog Resource.
 *
 * @public
 */
export interface BlueprintBackingStore {
  kind: 'database' | 'bucket' | 'volume';
  /** Short name, unique within the instance, such as `tracking-db`. */
  name: string;
  /** What it holds, in a sentence. */
  description: string;
}

/**
 * Something in the cluster a deploy needs before its first write, such as the Service a
 * proxy goes in front of. Checked in dry runs too; a refusal is the user's mistake (a
 * 4xx naming the field).
 *
 * @public
 */
export interface BlueprintPrecondition {
  /** The input field a refusal names, such as `input.parameters.service`. */
  field: string;
  /** The object read (the instance's namespace when none). */
  object: {
    apiVersion: string;
    kind: string;
    name: string;
    namespace?: string;
  };
  /** Pure: the live object (undefined when absent) → the rule broken in words, or undefined. */
  check: (live: K8sObject | undefined) => string | undefined;
}

/**
 * One tool the suite can deploy: data plus small pure functions. Adding a tool is
 * adding a blueprint, never changing an action, a provider, a route or a card.
 *
 * @public
 */
export interface ToolBlueprint<
  P extends JsonObject = JsonObject,
  S extends JsonObject = JsonObject,
> {
  /** Stable id, a DNS-1123 label, such as `mlflow`. */
  id: string;
  title: string;
  description: string;
  /** Groups tools on the ML tools page, such as `experiment-tracking`. */
  category: string;
  /**
   * Icon of the tool on cards and pages: one of the frontend's icon names
   * (`experiment`, `notebook`, `workflow`, `storage`, `identity`, `shield`, `labeling`,
   * `analysis`, `workspace`) or an `https://` URL.
   */
  icon: string;
  docsUrl?: string;
  /** Schema of the blueprint-specific parameters (storage sizes, options). */
  parameters: z.ZodType<P>;
  /**
   * Schema of what the platform team sets for every instance of the tool in config,
   * under `mlTools.tools.<id>` (images users may pick, sizes offered...). Checked when the
   * backend starts; the parsed value reaches the functions as `ctx.settings`.
   */
  settings?: z.ZodType<S>;
  /**
   * Rules of the parameters that depend on the platform's settings (an image must be one
   * the platform lists). Returns what breaks them, each naming the parameter and the rule
   * in words; deploy refuses such input (a 4xx) before any write.
   */
  checkParameters?: (
    params: P,
    settings: S,
  ) => Array<{ parameter: string; rule: string }>;
  /**
   * Full paths of the Keycloak groups whose members the blueprint's functions need, as
   * `ctx.groupMembers` (a tool that grants access user by user expands groups with it).
   * Read through the Keycloak admin client before any write; a group that does not
   * exist is refused naming `input.roleMappings`.
   */
  groupMembersOf?: (ctx: BlueprintContext<P, S>) => string[];
  /** Keys of the instance's secrets Secret. */
  secrets: BlueprintSecret[];
  /**
   * Users the tool grants a role directly (not through a group), by role, by the tool's
   * own user ids: recorded on the instance and shown on the access card.
   */
  roleUsers?: (ctx: BlueprintContext<P, S>) => Record<string, string[]>;
  keycloak?: BlueprintKeycloak<P>;
  /** What must hold in the cluster before the first write (see {@link BlueprintPrecondition}). */
  preconditions?: (ctx: BlueprintContext<P, S>) => BlueprintPrecondition[];
  /**
   * Who may use an instance and how, in a sentence or two, when the platform's Keycloak
   * does not decide it (a tool with accounts of its own, or no sign-in at all). Shown on
   * the access card; with `keycloak`, its `enforcedBy` says it instead.
   */
  accessNote?: string;
  /**
   * The parts of an instance in the order they are applied. Exactly one is `main`, and a
   * `main` release is named after the instance; parts it needs (a database it connects
   * to at start) may come before it, with `waitForReady`.
   */
  parts: (ctx: BlueprintContext<P, S>) => BlueprintPart[];
  /**
   * Kinds of the plain objects among the parts. Listed by label to find, check and
   * remove an instance's objects, and (for the kind of a `main` object) to find
   * instances at all. `main: false` says objects of the kind are never the instance's
   * main part (a volume claim next to a release): nothing lists them to find instances.
   */
  objectKinds?: Array<{
    apiVersion: string;
    kind: string;
    /**
     * `true`: the kind of the `main` object, listed alone to find instances (each catalog
     * cycle, each deploy). `false`: objects of the kind never stand for an instance. When
     * no entry says `true`, every kind not marked `false` is listed.
     */
    main?: boolean;
  }>;
  health: {
    workloads?: (ctx: BlueprintContext<P, S>) => BlueprintWorkload[];
    /** HTTP paths on the instance's URL that answer when it is up. */
    endpoints?: string[];
    conditions?: (ctx: BlueprintContext<P, S>) => BlueprintCondition[];
  };
  links: (ctx: BlueprintContext<P, S>) => InstanceLink[];
  catalog: {
    backingStores: (ctx: BlueprintContext<P, S>) => BlueprintBackingStore[];
  };
  decommission?: {
    /** Parts (by component) left in place when decommission keeps the data. */
    keepWithData?: string[];
    /**
     * Managers (`app.kubernetes.io/managed-by`) of the pods and volumes the tool itself
     * creates at run time for the instance, labelled `app.kubernetes.io/instance=<instance>`
     * (per-user servers and their volumes). Decommission deletes such pods, and such
     * volumes unless the data is kept.
     */
    runtimeManagers?: string[];
    /**
     * Label selectors of further volume claims holding the instance's data, for charts
     * whose StatefulSets label their claims without Helm's `app.kubernetes.io/instance`
     * (which is always searched). Removed with the instance, kept with its data.
     */
    dataClaimSelectors?: (instance: string) => string[];
  };
  /**
   * Parameter sets the chart checks render besides the ones they derive from the schema
   * (which cannot invent free-text values such as a Git URL), each with a short label.
   */
  checkCases?: Array<{ label: string; params: Partial<P> }>;
  /**
   * How this blueprint's values were checked when contract data for its chart cannot
   * exist (the contract suite prints it instead of failing).
   */
  valuesCheckedBy?: string;
}

/**
 * A blueprint of any parameter type, as stored in the registry.
 *
 * @public
 */
export type AnyToolBlueprint = ToolBlueprint<any, any>;
