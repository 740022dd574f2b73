/**
 * A fetched access token and the time it stops being valid.
 *
 * @public
 */
export interface AccessToken {
  value: string;
  /** Milliseconds since the epoch; undefined when the token does not say. */
  expiresAt?: number;
}

/**
 * Decodes the `exp` claim of a JWT without verifying it (the token is only used, not
 * trusted, by us).
 *
 * @public
 */
export function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(
      Buffer.from(payload, 'base64url').toString('utf8'),
    );
    return typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Keeps one access token fresh: renews it before it expires, and lets concurrent callers
 * share a single renewal.
 *
 * @public
 */
export class TokenManager {
  private token?: AccessToken & { obtainedAt: number };
  private inflight?: Promise<AccessToken>;
  private logins = 0;

  constructor(
    private readonly login: () => Promise<AccessToken>,
    private readonly options: { now?: () => number; maxSkewMs?: number } = {},
  ) {}

  /** How many logins were made so far (for tests and metrics). */
  get loginCount(): number {
    return this.logins;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private isFresh(
    token: (AccessToken & { obtainedAt: number }) | undefined,
  ): token is AccessToken & { obtainedAt: number } {
    if (!token) return false;
    if (token.expiresAt === undefined) return true;
    // Renew ahead of expiry: 30 s before, or a quarter of a short token's lifetime.
    const lifetime = token.expiresAt - token.obtainedAt;
    const skew = Math.min(this.options.maxSkewMs ?? 30_000, lifetime / 4);
    return token.expiresAt - this.now() > skew;
  }

  /** A valid token, logging in when there is none or it is about to expire. */
  async get(): Promise<string> {
    if (this.isFresh(this.token)) return this.token.value;
    return (await this.renew()).value;
  }

  /** Forces a new login, shared with every concurrent caller. */
  renew(): Promise<AccessToken> {
    if (!this.inflight) {
      this.logins += 1;
      this.inflight = this.login()
        .then(token => {
          this.token = { ...token, obtainedAt: this.now() };
          return token;
        })
        .finally(() => {
          this.inflight = undefined;
        });
    }
    return this.inflight;
  }

  /** Drops the token if it is still the given one (a 401 proved it stale). */
  invalidate(value: string): void {
    if (this.token?.value === value) this.token = undefined;
  }
}
