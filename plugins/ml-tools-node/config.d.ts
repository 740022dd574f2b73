export interface Config {
  /**
   * The ML tools plugins. Clusters and Keycloak servers are read from here only, never
   * from a template form or from catalog data.
   */
  mlTools?: {
    /**
     * The Kubernetes clusters tools may be deployed to. The first one is the default.
     */
    clusters: Array<{
      /** Short name, used in instance refs (`<cluster>/<namespace>/<name>`) and in forms. */
      name: string;
      /** API server URL. Required unless `authProvider` is `inCluster` or `kubeconfig`. */
      url?: string;
      /**
       * How the portal authenticates: a service account token, a kubeconfig (file path or
       * inline), or the pod's own in-cluster service account.
       */
      authProvider: 'serviceAccount' | 'kubeconfig' | 'inCluster';
      /**
       * Bearer token of the service account, for `authProvider: serviceAccount`.
       * @visibility secret
       */
      serviceAccountToken?: string;
      /** Path to a kubeconfig file, for `authProvider: kubeconfig`. */
      kubeconfigPath?: string;
      /**
       * Inline kubeconfig (YAML), for `authProvider: kubeconfig`.
       * @visibility secret
       */
      kubeconfig?: string;
      /** Context of the kubeconfig to use; its current context by default. */
      kubeconfigContext?: string;
      /** Base64 PEM bundle of the API server's certificate authority. */
      caData?: string;
      /** Path to a PEM file of the API server's certificate authority. */
      caFile?: string;
      /**
       * Turns TLS verification off. Off by default; only for local test clusters.
       */
      skipTLSVerify?: boolean;
      /** Per-request timeout in milliseconds (default 30000). */
      requestTimeoutMs?: number;
    }>;

    /** The Keycloak server that protects the tools. */
    keycloak: {
      /** Base URL, for example `https://sso.example.com` (with `/auth` for Keycloak < 18). */
      baseUrl: string;
      /** The realm tools' clients and groups are managed in. */
      realm: string;
      /** The realm the service-account client logs in to; `realm` by default. */
      authRealm?: string;
      /** Service-account client (client-credentials grant) with realm-management roles. */
      clientId: string;
      /**
       * Secret of the service-account client.
       * @visibility secret
       */
      clientSecret: string;
      /** Base URL of the admin console, for links; `baseUrl` by default. */
      consoleBaseUrl?: string;
      /** Per-request timeout in milliseconds (default 30000). */
      requestTimeoutMs?: number;
    };

    /** How releases are deployed. */
    deploy: {
      /** `flux` writes HelmRelease objects; `argocd` writes Application objects. */
      driver: 'flux' | 'argocd';
      /** Helm chart repositories blueprints refer to by name. */
      chartRepositories: Array<{
        name: string;
        /** `https://…` or `oci://…` URL. */
        url: string;
      }>;
      /** Settings of the flux driver. */
      flux?: {
        /** Reconcile interval of HelmRelease and HelmRepository objects (default `10m`). */
        interval?: string;
      };
      /** Settings of the argocd driver. */
      argocd?: {
        /** Namespace Argo CD watches for Applications (default `argocd`). */
        namespace?: string;
        /** Argo CD project (default `default`). */
        project?: string;
        /** Destination server as Argo CD knows it (default `https://kubernetes.default.svc`). */
        destinationServer?: string;
      };
      /** Wait settings of `ml-tools:deploy`: see the scaffolder module's config. */
      /**
       * Preflight: before the first write, fetch each pinned chart from its repository and
       * check the values against the chart's values.schema.json, as Helm would.
       */
      preflight?: {
        /**
         * Turn the check off (default true). When off, the task log says values were not
         * checked against the chart.
         */
        enabled?: boolean;
        /** Budget for fetching one chart (index and package), in milliseconds (default 30000). */
        timeoutMs?: number;
      };
    };

    /**
     * Namespaces templates may target. System namespaces (`kube-*`, `default`,
     * `flux-system`, `argocd`, ...) are refused whatever these say.
     */
    namespaces: {
      /** Glob patterns (`*` matches any run of DNS-label characters), for example `ml-*`. */
      allowed: string[];
      /**
       * Glob patterns of namespaces the portal itself uses, refused even when they match
       * `allowed` (default `['ml-tools']`).
       */
      denied?: string[];
    };

    /**
     * Domains an instance's host `<name>.<domain>` may live under. Default: `baseDomain`
     * only; when set, it must include `baseDomain`.
     */
    allowedDomains?: string[];

    /**
     * Settings of each tool, by blueprint id: what the platform team decides for every
     * instance of the tool (the notebook images users may pick, the profiles offered...).
     * Each tool documents its own; checked against the tool's schema at startup.
     */
    tools?: {
      [blueprintId: string]: { [setting: string]: unknown };
    };

    /** Bounds of the groups a template maps to a tool's roles, checked before any write. */
    groups?: {
      /** At most this many groups per role (default 20). */
      maxPerRole?: number;
      /** At most this many segments in a group path (default 5). */
      maxDepth?: number;
      /** At most this many characters in a group path (default 255). */
      maxPathLength?: number;
      /**
       * Regular expression each segment of a group the suite would create must match.
       * Default: lower-case letters, digits, `-`, `_` and `.`, starting and ending with a
       * letter or digit, at most 63 characters.
       */
      newGroupPattern?: string;
      /** The same rule in words, shown in refusals; required with `newGroupPattern`. */
      newGroupRule?: string;
    };

    /** The image pull secret copied into every namespace the suite prepares. */
    pullSecret?: {
      /** Namespace of the source secret. */
      namespace: string;
      /** Name of the source secret. */
      name: string;
      /** Name of the copies (default: the source's name). */
      targetName?: string;
    };

    /** Domain under which instances get their host name: `<instance>.<baseDomain>`. */
    baseDomain: string;

    /** URL scheme of instance links and redirect URIs (default `https`). */
    ingressScheme?: 'https' | 'http';
  };
}
