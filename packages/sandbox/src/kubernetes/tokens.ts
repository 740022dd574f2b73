/*
 * Who a bearer token is: the sandbox's own admin token, or a service-account token the
 * cluster issued through `serviceaccounts/<name>/token` (TokenRequest).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Cluster } from './cluster';
import { ApiError, badRequest } from './errors';
import { isObject, JsonObject } from './json';
import { rfc3339 } from './time';
import type { KubeObject } from './types';

/** The issuer and default audience of service-account tokens, as in-cluster. */
export const TOKEN_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** A token's bounds on `expirationSeconds`: ten minutes to a day (the server default is an hour). */
const MIN_EXPIRATION = 600;
const MAX_EXPIRATION = 86400;
const DEFAULT_EXPIRATION = 3600;

/** Who made a request, as `kubectl auth whoami` and the review APIs show it. */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** The identity behind the sandbox's admin token: a cluster administrator. */
export const ADMIN_USER: UserInfo = {
  username: 'kubernetes-admin',
  groups: ['system:masters', 'system:authenticated'],
};

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

function invalid(field: string, value: unknown, rule: string): ApiError {
  return new ApiError(
    422,
    'Invalid',
    `TokenRequest.authentication.k8s.io "" is invalid: ${field}: Invalid value: ${JSON.stringify(
      value,
    )}: ${rule}`,
  );
}

/**
 * Issues and checks tokens. Service-account tokens are JWTs signed with a key derived
 * from the admin token, so they stay valid across restarts of the same sandbox, and they
 * stop working when they expire or their service account is deleted (or re-created).
 */
export class TokenAuthority {
  private readonly key: Buffer;

  constructor(
    private readonly cluster: Cluster,
    private readonly adminToken: string,
  ) {
    this.key = createHash('sha256')
      .update(`sandbox service-account signing key\n${adminToken}`)
      .digest();
  }

  /** The user a bearer token stands for, or undefined when the token is not valid. */
  identify(token: string): UserInfo | undefined {
    if (token === this.adminToken) return ADMIN_USER;
    return this.verify(token)?.user;
  }

  private sign(input: string): string {
    return createHmac('sha256', this.key).update(input).digest('base64url');
  }

  /** A signed token for a service account (the answer of a TokenRequest). */
  issue(
    sa: KubeObject,
    request: JsonObject,
  ): {
    token: string;
    expirationTimestamp: string;
    audiences: string[];
    expirationSeconds: number;
  } {
    const spec = isObject(request.spec) ? request.spec : {};
    const seconds =
      spec.expirationSeconds === undefined || spec.expirationSeconds === null
        ? DEFAULT_EXPIRATION
        : Number(spec.expirationSeconds);
    if (!Number.isInteger(seconds) || seconds < MIN_EXPIRATION) {
      throw invalid(
        'spec.expirationSeconds',
        spec.expirationSeconds,
        'may not specify a duration less than 10 minutes',
      );
    }
    if (seconds > 2 ** 32) {
      throw invalid(
        'spec.expirationSeconds',
        spec.expirationSeconds,
        'may not specify a duration larger than 2^32 seconds',
      );
    }
    if (
      spec.audiences !== undefined &&
      spec.audiences !== null &&
      !Array.isArray(spec.audiences)
    )
      throw badRequest('spec.audiences must be a list of strings');
    const audiences = (
      Array.isArray(spec.audiences) ? spec.audiences.map(String) : []
    ).filter(Boolean);
    const aud = audiences.length ? audiences : [TOKEN_ISSUER];
    const effective = Math.min(seconds, MAX_EXPIRATION * 2);
    const now = Math.floor(Date.parse(this.cluster.now()) / 1000);
    const payload = {
      aud,
      exp: now + effective,
      iat: now,
      iss: TOKEN_ISSUER,
      jti: createHash('sha256')
        .update(`${sa.metadata.uid}/${now}/${Math.random()}`)
        .digest('hex')
        .slice(0, 32),
      nbf: now,
      sub: `system:serviceaccount:${sa.metadata.namespace}:${sa.metadata.name}`,
      'kubernetes.io': {
        namespace: sa.metadata.namespace,
        serviceaccount: { name: sa.metadata.name, uid: sa.metadata.uid },
      },
    };
    const head = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const body = base64url(JSON.stringify(payload));
    return {
      token: `${head}.${body}.${this.sign(`${head}.${body}`)}`,
      expirationTimestamp: rfc3339(new Date(payload.exp * 1000)),
      audiences: aud,
      expirationSeconds: effective,
    };
  }

  /** The user and audiences of a valid service-account token. */
  verify(token: string): { user: UserInfo; audiences: string[] } | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const expected = Buffer.from(this.sign(`${parts[0]}.${parts[1]}`));
    const given = Buffer.from(parts[2]);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      return undefined;
    let claims: JsonObject;
    try {
      const parsed = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
      if (!isObject(parsed)) return undefined;
      claims = parsed;
    } catch {
      return undefined;
    }
    const now = Date.parse(this.cluster.now()) / 1000;
    if (typeof claims.exp !== 'number' || claims.exp <= now) return undefined;
    const k8s = isObject(claims['kubernetes.io'])
      ? claims['kubernetes.io']
      : {};
    const saRef = isObject(k8s.serviceaccount) ? k8s.serviceaccount : {};
    const namespace = String(k8s.namespace ?? '');
    const sa = this.cluster.store.get(
      '/serviceaccounts',
      namespace,
      String(saRef.name ?? ''),
    );
    if (!sa || sa.metadata.uid !== saRef.uid) return undefined;
    return {
      user: {
        username: `system:serviceaccount:${namespace}:${sa.metadata.name}`,
        uid: sa.metadata.uid,
        groups: [
          'system:serviceaccounts',
          `system:serviceaccounts:${namespace}`,
          'system:authenticated',
        ],
        extra: {
          'authentication.kubernetes.io/credential-id': [
            `JTI=${String(claims.jti ?? '')}`,
          ],
        },
      },
      audiences: Array.isArray(claims.aud) ? claims.aud.map(String) : [],
    };
  }
}
