import type { JsonObject } from '@backstage/types';
import type {
  InstanceLink,
  InstanceRef,
} from '@ml-platform/plugin-ml-tools-common';
import type { z } from 'zod';
import type { KcProtocolMapper } from '../keycloak/types';

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
  | { kind: 'fernet' };

/**
 * One key of the instance's generated-secrets Secret: either generated (a secret) or a
 * fixed, non-secret value that charts expect next to it (such as a user name).
 *
 * @public
 */
export type BlueprintSecret =
  | { key: string; description: string; generate: SecretGenerator }
  | { key: string; description: string; value: string };

/**
 * A tool role and the groups it is given to by default.
 *
 * @public
 */
export interface BlueprintRole {
  name: string;
  description: string;
  /**
   * Groups granted this role when the template maps none: `owner` stands for the
   * instance's owner group.
   */
  defaultGroups?: Array<'owner'>;
}

/**
 * The Keycloak side of a tool: its client and its roles.
 *
 * @public
 */
export interface BlueprintKeycloak {
  /** `confidential` clients get a secret, written into a Kubernetes Secret. */
  clientType: 'confidential' | 'public';
  /** Paths on the instance's host allowed as redirect URIs, such as `/oauth2/callback`. */
  redirectPaths: string[];
  /** Adds a client scope with an audience mapper, assigned as a default scope. */
  audienceScope: boolean;
  /** Adds a `groups` claim mapper (group names, not paths). */
  groupsClaim: boolean;
  /** Further protocol mappers of the client. */
  protocolMappers?: (ctx: BlueprintContext) => KcProtocolMapper[];
  /** The tool's roles, created as client roles and mapped to groups. */
  roles: BlueprintRole[];
}

/**
 * Puts the auth proxy (oauth2-proxy) in front of the tool: the tool's own ingress stays
 * off and the proxy opens the host after login.
 *
 * @public
 */
export interface BlueprintAuthProxy {
  /** In-cluster URL of the protected service. */
  upstream: (ctx: BlueprintContext) => string;
  /** Restrict access to members of the mapped groups (default true). */
  restrictToMappedGroups?: boolean;
}

/**
 * What a blueprint's functions get to compute values, links and names. Holds no secret
 * values: secrets are referred to by Secret name and key.
 *
 * @public
 */
export interface BlueprintContext<P extends JsonObject = JsonObject> {
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
  /** Tool role → Keycloak group paths. */
  roleMappings: Record<string, string[]>;
  /** Name of the Secret holding the blueprint's generated secrets. */
  secretName: string;
  /** Keycloak facts, when the blueprint has a client. */
  keycloak?: {
    issuerUrl: string;
    clientId: string;
    /** Secret holding `client-id`, `client-secret` (and `cookie-secret` for the proxy). */
    clientSecretName: string;
  };
  /** Labels every object of the instance carries. */
  labels: Record<string, string>;
}

/**
 * One Helm release of an instance, as a blueprint describes it.
 *
 * @public
 */
export interface BlueprintRelease {
  /** Release name; the first release of a blueprint is named after the instance. */
  name: string;
  /** `main` for the tool, `auth-proxy` for the proxy, or a blueprint-defined role. */
  component: string;
  chart: BlueprintChart;
  values: JsonObject;
}

/**
 * A workload whose readiness says whether the instance is up.
 *
 * @public
 */
export interface BlueprintWorkload {
  kind: 'Deployment' | 'StatefulSet';
  name: string;
}

/**
 * One tool the suite can deploy: data plus small pure functions. Adding a tool is
 * adding a blueprint, never changing an action.
 *
 * @public
 */
export interface ToolBlueprint<P extends JsonObject = JsonObject> {
  /** Stable id, a DNS-1123 label, such as `mlflow`. */
  id: string;
  title: string;
  description: string;
  /** For grouping on pages, such as `experiment-tracking`. */
  category: string;
  /** Icon id understood by the frontend (`mlflow`, `airflow`, …), or a URL. */
  icon?: string;
  docsUrl?: string;
  /** The chart(s) of the tool, by role (`main` at least). */
  charts: Record<string, BlueprintChart>;
  /** Schema of the blueprint-specific parameters (storage sizes, options). */
  parameters: z.ZodType<P>;
  /** Keys of the generated-secrets Secret. */
  secrets: BlueprintSecret[];
  keycloak?: BlueprintKeycloak;
  authProxy?: BlueprintAuthProxy;
  /** Values of the main chart (other releases come from building blocks). */
  values: (ctx: BlueprintContext<P>) => JsonObject;
  health: {
    workloads: (ctx: BlueprintContext<P>) => BlueprintWorkload[];
    /** HTTP paths on the instance's URL that answer when it is up. */
    endpoints?: string[];
  };
  links: (ctx: BlueprintContext<P>) => InstanceLink[];
  catalog: {
    /** `spec.type` of the instance's Component entity. */
    componentType: string;
    backingStores: (
      ctx: BlueprintContext<P>,
    ) => Array<{ kind: 'database' | 'bucket'; name: string }>;
  };
}

/**
 * A blueprint of any parameter type, as stored in the registry.
 *
 * @public
 */
export type AnyToolBlueprint = ToolBlueprint<any>;
