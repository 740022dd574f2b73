/**
 * What a simulator records of every request it answers, so tests and benchmarks can
 * count upstream calls (for example "how many writes did a re-run make").
 *
 * @public
 */
export interface RequestLogEntry {
  /** Which simulator answered. */
  server: 'kubernetes' | 'keycloak';
  /** The cluster name for Kubernetes, the realm-less server name for Keycloak. */
  target: string;
  method: string;
  /** Path without the query string. */
  path: string;
  /** Raw query string, without the leading `?`. */
  query: string;
  status: number;
  /** Milliseconds since the epoch when the request arrived. */
  at: number;
  durationMs: number;
}

/** Methods that do not change state. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Filter for {@link RequestLog.entries}: every given field must match.
 *
 * @public
 */
export interface RequestLogFilter {
  server?: RequestLogEntry['server'];
  target?: string;
  method?: string;
  /** Only writes (anything but GET, HEAD and OPTIONS), or only reads. */
  kind?: 'read' | 'write';
  /** Substring or regular expression the path must match. */
  path?: string | RegExp;
  /** Only entries recorded at or after this mark (see {@link RequestLog.mark}). */
  since?: number;
}

/**
 * An append-only log of requests, shared by every simulator of one sandbox.
 *
 * @public
 */
export class RequestLog {
  private readonly list: RequestLogEntry[] = [];
  private readonly capacity: number;

  constructor(options: { capacity?: number } = {}) {
    // Benchmarks push hundreds of thousands of requests; keep memory bounded.
    this.capacity = options.capacity ?? 200_000;
  }

  /** Records one answered request. */
  record(entry: RequestLogEntry): void {
    this.list.push(entry);
    if (this.list.length > this.capacity) {
      const dropped = this.list.length - this.capacity;
      this.list.splice(0, dropped);
      this.sequence += dropped;
    }
  }

  /** A position to pass as `since`, to look only at what comes after now. */
  mark(): number {
    return this.sequence + this.list.length;
  }

  private sequence = 0;

  /** Entries matching the filter, oldest first. */
  entries(filter: RequestLogFilter = {}): RequestLogEntry[] {
    const start =
      filter.since === undefined
        ? 0
        : Math.max(0, filter.since - this.sequence);
    return this.list.slice(start).filter(e => matches(e, filter));
  }

  /** Number of entries matching the filter. */
  count(filter: RequestLogFilter = {}): number {
    return this.entries(filter).length;
  }

  /** Counts keyed by `"<METHOD> <path>"`, for printing and for assertions. */
  countsByRoute(filter: RequestLogFilter = {}): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const e of this.entries(filter)) {
      const key = `${e.method} ${e.path}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }

  /** Forgets every entry. */
  clear(): void {
    this.sequence += this.list.length;
    this.list.length = 0;
  }
}

function matches(e: RequestLogEntry, f: RequestLogFilter): boolean {
  if (f.server && e.server !== f.server) return false;
  if (f.target && e.target !== f.target) return false;
  if (f.method && e.method !== f.method.toUpperCase()) return false;
  if (f.kind === 'read' && !READ_METHODS.has(e.method)) return false;
  if (f.kind === 'write' && READ_METHODS.has(e.method)) return false;
  if (f.path !== undefined) {
    if (
      typeof f.path === 'string'
        ? !e.path.includes(f.path)
        : !f.path.test(e.path)
    ) {
      return false;
    }
  }
  return true;
}
