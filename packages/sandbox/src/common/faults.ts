import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * One fault to inject into matching requests. Several may be active at once; the first
 * matching rule that decides to act wins.
 *
 * @public
 */
export interface FaultRule {
  /** Which requests the rule applies to; every given field must match. */
  match?: {
    server?: 'kubernetes' | 'keycloak';
    /** Cluster name (Kubernetes) or server name (Keycloak). */
    target?: string;
    method?: string;
    /** Regular expression tested against the path (no query string). */
    path?: string;
  };
  /** Milliseconds added before the request is handled (or before the fault answers). */
  latencyMs?: number;
  /** Fraction of matching requests (0..1) answered with `status` instead of being handled. */
  errorRate?: number;
  /** Status for `errorRate` failures; 503 by default. 429 answers carry `Retry-After`. */
  status?: number;
  /** Seconds for the `Retry-After` header of 429 and 503 answers; 1 by default. */
  retryAfterSeconds?: number;
  /** Never answer: the request hangs until the client gives up or the sandbox stops. */
  hang?: boolean;
  /** Apply to this many matching requests, then retire the rule. Unlimited by default. */
  times?: number;
}

/** What a fault decided for one request. */
type FaultOutcome = { kind: 'pass' } | { kind: 'answered' } | { kind: 'hung' };

interface ActiveRule extends FaultRule {
  id: number;
  remaining: number;
  pathRe?: RegExp;
}

/**
 * Holds the active fault rules of a sandbox and applies them to requests before the
 * simulators see them.
 *
 * @public
 */
export class FaultInjector {
  private rules: ActiveRule[] = [];
  private nextId = 1;
  private readonly hanging = new Set<ServerResponse>();
  private random: () => number;

  constructor(options: { random?: () => number } = {}) {
    this.random = options.random ?? Math.random;
  }

  /** Activates a rule; returns an id for {@link FaultInjector.remove}. */
  add(rule: FaultRule): number {
    const id = this.nextId++;
    this.rules.push({
      ...rule,
      id,
      remaining: rule.times ?? Number.POSITIVE_INFINITY,
      pathRe: rule.match?.path ? new RegExp(rule.match.path) : undefined,
    });
    return id;
  }

  /** Retires one rule. */
  remove(id: number): void {
    this.rules = this.rules.filter(r => r.id !== id);
  }

  /** Retires every rule and releases every hanging request. */
  clear(): void {
    this.rules = [];
    this.releaseHanging();
  }

  /** Ends every request held by a `hang` rule (the socket is destroyed). */
  releaseHanging(): void {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }

  /**
   * Applies the active rules to one request. Returns `pass` when the simulator should
   * handle it, otherwise the fault already answered (or is holding) the request.
   */
  async apply(
    server: 'kubernetes' | 'keycloak',
    target: string,
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
  ): Promise<FaultOutcome['kind']> {
    for (const rule of this.rules) {
      if (rule.remaining <= 0) continue;
      const m = rule.match ?? {};
      if (m.server && m.server !== server) continue;
      if (m.target && m.target !== target) continue;
      if (m.method && m.method.toUpperCase() !== req.method) continue;
      if (rule.pathRe && !rule.pathRe.test(path)) continue;

      const fails =
        rule.errorRate !== undefined && this.random() < rule.errorRate;
      if (!rule.hang && !fails && !rule.latencyMs) continue;

      rule.remaining -= 1;
      if (rule.remaining <= 0) this.remove(rule.id);
      if (rule.latencyMs) await sleep(rule.latencyMs);
      if (rule.hang) {
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return 'hung';
      }
      if (fails) {
        const status = rule.status ?? 503;
        const headers: Record<string, string> = {
          'content-type': 'application/json',
        };
        if (status === 429 || status === 503) {
          headers['retry-after'] = String(rule.retryAfterSeconds ?? 1);
        }
        res.writeHead(status, headers);
        res.end(
          JSON.stringify(
            server === 'kubernetes'
              ? {
                  kind: 'Status',
                  apiVersion: 'v1',
                  metadata: {},
                  status: 'Failure',
                  message: `injected fault: ${status}`,
                  reason:
                    status === 429 ? 'TooManyRequests' : 'ServiceUnavailable',
                  code: status,
                }
              : {
                  error: 'injected_fault',
                  error_description: `injected fault: ${status}`,
                },
          ),
        );
        return 'answered';
      }
      return 'pass';
    }
    return 'pass';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}
