/*
 * `pods/<name>/log`: what a simulated container printed. The lines are deterministic,
 * derived from the container's spec and state, so tests can assert them.
 */
import { badRequest } from './errors';
import { isObject, JsonObject } from './json';
import type { KubeObject } from './types';

/** RFC 3339 with nanoseconds, the timestamp prefix of `timestamps=true`. */
function nanoTime(t: string): string {
  const d = new Date(t);
  return Number.isNaN(d.getTime())
    ? t
    : d.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

function asList(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** The lines one run of a container printed, each with the time it was printed. */
function runLines(
  container: JsonObject,
  startedAt: string,
  failure: string | undefined,
): { at: string; text: string }[] {
  const name = String(container.name ?? '');
  const image = String(container.image ?? '');
  const at = Date.parse(startedAt);
  const stamp = (offsetMs: number) =>
    Number.isNaN(at) ? startedAt : new Date(at + offsetMs).toISOString();
  const lines: string[] = [`Starting ${name} from image ${image}`];
  const args = [
    ...(Array.isArray(container.command) ? container.command : []),
    ...(Array.isArray(container.args) ? container.args : []),
  ].map(String);
  if (args.length) lines.push(`Running: ${args.join(' ')}`);
  for (const p of asList(container.ports)) {
    lines.push(
      `Listening on port ${String(p.containerPort)}/${String(
        p.protocol ?? 'TCP',
      )}${p.name ? ` (${String(p.name)})` : ''}`,
    );
  }
  if (failure) {
    lines.push(`Error: ${failure}`, `${name} exited with code 1`);
  } else {
    lines.push(`${name} is ready`);
  }
  return lines.map((text, i) => ({ at: stamp(i), text }));
}

/** Query parameters of a log request that change the answer. */
export interface LogOptions {
  container?: string;
  tailLines?: number;
  timestamps?: boolean;
  previous?: boolean;
  limitBytes?: number;
  sinceSeconds?: number;
}

/** Reads the log options from a query, refusing malformed numbers with a 400. */
export function logOptions(query: URLSearchParams): LogOptions {
  const num = (key: string): number | undefined => {
    const raw = query.get(key);
    if (raw === null || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0)
      throw badRequest(
        `${key}: must be a whole number of at least 0, got "${raw}"`,
      );
    return n;
  };
  return {
    container: query.get('container') ?? undefined,
    tailLines: num('tailLines'),
    limitBytes: num('limitBytes'),
    sinceSeconds: num('sinceSeconds'),
    timestamps: query.get('timestamps') === 'true',
    previous: query.get('previous') === 'true',
  };
}

/**
 * The log text of one container of a pod, as the kubelet serves it; 400 with the API
 * server's message when the container must be named, does not exist, has not started,
 * or has no previous run.
 */
export function podLog(
  pod: KubeObject,
  options: LogOptions,
  failure: string | undefined,
  now: string,
): string {
  const podName = pod.metadata.name;
  const spec = isObject(pod.spec) ? pod.spec : {};
  const containers = asList(spec.containers);
  const all = [...asList(spec.initContainers), ...containers];
  let container: JsonObject | undefined;
  if (options.container) {
    container = all.find(c => c.name === options.container);
    if (!container)
      throw badRequest(
        `container ${options.container} is not valid for pod ${podName}`,
      );
  } else if (containers.length === 1) {
    container = containers[0];
  } else {
    throw badRequest(
      `a container name must be specified for pod ${podName}, choose one of: [${containers
        .map(c => String(c.name))
        .join(' ')}]`,
    );
  }
  const name = String(container.name);
  const st = isObject(pod.status) ? pod.status : {};
  const cs = [
    ...asList(st.initContainerStatuses),
    ...asList(st.containerStatuses),
  ].find(c => c.name === name);
  const state = isObject(cs?.state) ? cs!.state : {};
  const running = isObject(state.running) ? state.running : undefined;
  const terminated = isObject(state.terminated) ? state.terminated : undefined;
  const startedAt = String(
    running?.startedAt ?? terminated?.startedAt ?? st.startTime ?? '',
  );
  if (!cs || (!startedAt && !failure)) {
    throw badRequest(
      `container "${name}" in pod "${podName}" is waiting to start: ContainerCreating`,
    );
  }
  const restarts = Number(cs.restartCount ?? 0);
  if (options.previous && restarts === 0) {
    throw badRequest(
      `previous terminated container "${name}" in pod "${podName}" not found`,
    );
  }
  let lines = runLines(container, startedAt || now, failure);
  if (options.sinceSeconds !== undefined) {
    const from = Date.parse(now) - options.sinceSeconds * 1000;
    lines = lines.filter(l => Date.parse(l.at) >= from);
  }
  if (options.tailLines !== undefined)
    lines = options.tailLines === 0 ? [] : lines.slice(-options.tailLines);
  let text = lines
    .map(l =>
      options.timestamps ? `${nanoTime(l.at)} ${l.text}\n` : `${l.text}\n`,
    )
    .join('');
  if (options.limitBytes !== undefined) {
    text = Buffer.from(text).subarray(0, options.limitBytes).toString();
  }
  return text;
}
