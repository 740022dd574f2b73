/*
 * The API endpoints kubectl's workload commands use beyond plain CRUD: `pods/log`,
 * `serviceaccounts/token`, the review APIs and the events.k8s.io view of events. The
 * simulator asks this module first; it answers undefined for everything else.
 */
import type { Cluster } from './cluster';
import { badRequest, methodNotAllowed, notFound, unauthorized } from './errors';
import { FAIL_ANNOTATION } from './charts';
import {
  selfSubjectAccessReview,
  selfSubjectReview,
  selfSubjectRulesReview,
  tokenReview,
} from './authorization';
import { serveEventsV1 } from './events';
import { isObject, JsonObject } from './json';
import { logOptions, podLog } from './podLogs';
import type { ResourceType } from './resources';
import { TokenAuthority } from './tokens';

/** The parts of a routed request this module needs. */
export interface WorkloadRoute {
  rt: ResourceType;
  version: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** An answer: JSON (`body`) or plain text (`text`, the log endpoint). */
export type WorkloadAnswer =
  | { code: number; body: unknown; text?: undefined }
  | { code: number; text: string; body?: undefined };

const isCore = (rt: ResourceType, plural: string) =>
  !rt.group && rt.plural === plural;

/**
 * The workload endpoints of one simulated cluster, with the token authority that issues
 * service-account tokens and tells who a bearer token is.
 */
export class WorkloadApis {
  readonly tokens: TokenAuthority;

  constructor(private readonly cluster: Cluster, adminToken: string) {
    this.tokens = new TokenAuthority(cluster, adminToken);
  }

  /** Whether a subresource beyond status/scale/finalize is served for a type. */
  servesSubresource(rt: ResourceType, subresource: string): boolean {
    return (
      (subresource === 'log' && isCore(rt, 'pods')) ||
      (subresource === 'token' && isCore(rt, 'serviceaccounts'))
    );
  }

  /** Discovery entries of those subresources. */
  discoveryEntries(rt: ResourceType): JsonObject[] {
    if (isCore(rt, 'pods')) {
      return [
        {
          name: 'pods/log',
          singularName: '',
          namespaced: true,
          kind: 'Pod',
          verbs: ['get'],
        },
      ];
    }
    if (isCore(rt, 'serviceaccounts')) {
      return [
        {
          name: 'serviceaccounts/token',
          singularName: '',
          namespaced: true,
          group: 'authentication.k8s.io',
          version: 'v1',
          kind: 'TokenRequest',
          verbs: ['create'],
        },
      ];
    }
    return [];
  }

  /** Answers a request this module owns; undefined for any other. */
  serve(
    route: WorkloadRoute,
    method: string,
    query: URLSearchParams,
    body: string,
    authorization: string | undefined,
  ): WorkloadAnswer | undefined {
    const { rt, namespace, name, subresource } = route;
    if (subresource === 'log' && isCore(rt, 'pods')) {
      if (method !== 'GET') throw methodNotAllowed();
      const pod = this.cluster.get(rt, namespace, name!);
      const failure = pod.metadata.annotations?.[FAIL_ANNOTATION];
      return {
        code: 200,
        text: podLog(pod, logOptions(query), failure, this.cluster.now()),
      };
    }
    if (subresource === 'token' && isCore(rt, 'serviceaccounts')) {
      if (method !== 'POST') throw methodNotAllowed();
      return this.tokenRequest(namespace!, name!, body);
    }
    if (!rt.virtual) return undefined;
    if (rt.group === 'events.k8s.io') {
      if (method !== 'GET') throw methodNotAllowed();
      return {
        code: 200,
        body: serveEventsV1(this.cluster, rt, route.version, namespace, name, {
          labelSelector: query.get('labelSelector') ?? undefined,
          fieldSelector: query.get('fieldSelector') ?? undefined,
          limit: query.get('limit') ? Number(query.get('limit')) : undefined,
          continue: query.get('continue') ?? undefined,
        }),
      };
    }
    const review = this.review(rt.kind, body, authorization);
    if (!review) return undefined;
    if (method !== 'POST' || name !== undefined) throw methodNotAllowed();
    return { code: 201, body: review() };
  }

  private review(
    kind: string,
    body: string,
    authorization: string | undefined,
  ): (() => JsonObject) | undefined {
    switch (kind) {
      case 'SelfSubjectAccessReview':
        return () => selfSubjectAccessReview(body);
      case 'SelfSubjectRulesReview':
        return () => selfSubjectRulesReview(body);
      case 'TokenReview':
        return () => tokenReview(body, this.tokens);
      case 'SelfSubjectReview':
        return () => {
          const token = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1];
          const user = token ? this.tokens.identify(token.trim()) : undefined;
          if (!user) throw unauthorized();
          return selfSubjectReview(user);
        };
      default:
        return undefined;
    }
  }

  private tokenRequest(
    namespace: string,
    name: string,
    raw: string,
  ): WorkloadAnswer {
    const rt = this.cluster.registry.get('/serviceaccounts')!;
    const sa = this.cluster.store.get('/serviceaccounts', namespace, name);
    if (!sa) throw notFound(rt, name);
    let request: unknown;
    try {
      request = raw.trim() ? JSON.parse(raw) : {};
    } catch {
      throw badRequest('the TokenRequest body is not valid JSON');
    }
    if (!isObject(request))
      throw badRequest('the TokenRequest body must be an object');
    const issued = this.tokens.issue(sa, request);
    const spec = isObject(request.spec) ? request.spec : {};
    return {
      code: 201,
      body: {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: {
          name,
          namespace,
          creationTimestamp: this.cluster.now(),
        },
        spec: {
          audiences: issued.audiences,
          expirationSeconds: issued.expirationSeconds,
          boundObjectRef: spec.boundObjectRef ?? null,
        },
        status: {
          token: issued.token,
          expirationTimestamp: issued.expirationTimestamp,
        },
      },
    };
  }
}
