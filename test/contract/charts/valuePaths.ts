/*
 * Finds the values a release sets that its chart never looks at: "a setting that does
 * nothing". A value path is used when the chart (or the subchart its first key names)
 * defines it in its defaults, when its templates read it, or when it lies under a free-form
 * map: a key whose default is `{}` or a list, or a key the templates read whole.
 *
 * Pure: it works on the parsed contract data (values.defaults.json,
 * template-value-paths.json) handed in by the caller.
 */
import type { JsonObject, JsonValue } from '@backstage/types';

/** What the check needs to know of a chart. */
export interface ChartPathData {
  name: string;
  version: string;
  /** The chart's values.yaml, parsed. */
  defaults: JsonObject;
  /** Every `.Values.a.b.c` path its templates read, dotted. */
  templatePaths: readonly string[];
  /**
   * Maps whose keys the chart's schema leaves open (`patternProperties`), dotted: the
   * chart hands them on whole to the program it runs (a configuration pass-through).
   */
  openMaps?: readonly string[];
  /** Subcharts; `data` missing when there is no contract data for the subchart. */
  dependencies: ReadonlyArray<{
    name: string;
    alias?: string;
    data?: ChartPathData;
  }>;
}

/** One value that no chart of the release uses. */
export interface UnusedValue {
  /** The chart the value was checked against (the release's chart for top-level keys). */
  chart: string;
  version: string;
  /** Dotted path in the release's values, such as `minio.persistence.sise`. */
  path: string;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The paths of a values tree down to its leaves: scalars, lists (taken whole) and empty
 * maps.
 */
export function leafPaths(
  values: JsonObject,
  prefix: string[] = [],
): string[][] {
  const out: string[][] = [];
  for (const [key, value] of Object.entries(values)) {
    const path = [...prefix, key];
    if (isObject(value) && Object.keys(value).length > 0) {
      out.push(...leafPaths(value, path));
    } else {
      out.push(path);
    }
  }
  return out;
}

function lookup(tree: JsonValue | undefined, path: string[]) {
  let node: JsonValue | undefined = tree;
  for (const key of path) {
    if (!isObject(node) || !(key in node)) return { found: false as const };
    node = node[key];
  }
  return { found: true as const, value: node };
}

/** Indexes a chart's template paths for the prefix questions the check asks. */
class TemplateReads {
  private readonly exact: Set<string>;
  private readonly parents = new Set<string>();

  constructor(paths: readonly string[]) {
    this.exact = new Set(paths);
    for (const p of paths) {
      const parts = p.split('.');
      for (let i = 1; i < parts.length; i++) {
        this.parents.add(parts.slice(0, i).join('.'));
      }
    }
  }

  reads(path: string[]): boolean {
    return this.exact.has(path.join('.'));
  }

  /** Read as a whole: read, and no template reads anything below it. */
  readsWhole(path: string[]): boolean {
    const dotted = path.join('.');
    return this.exact.has(dotted) && !this.parents.has(dotted);
  }
}

const readsCache = new WeakMap<ChartPathData, TemplateReads>();

function readsOf(chart: ChartPathData): TemplateReads {
  let reads = readsCache.get(chart);
  if (!reads) {
    reads = new TemplateReads(chart.templatePaths);
    readsCache.set(chart, reads);
  }
  return reads;
}

/** Whether the chart itself (not its subcharts) uses the value at `path`. */
export function chartUses(chart: ChartPathData, path: string[]): boolean {
  const reads = readsOf(chart);
  if (lookup(chart.defaults, path).found || reads.reads(path)) return true;
  for (let i = path.length - 1; i >= 1; i--) {
    const prefix = path.slice(0, i);
    // Any key of a map the schema leaves open is taken, whatever is below it.
    if (chart.openMaps?.includes(prefix.join('.'))) return true;
    const at = lookup(chart.defaults, prefix);
    const structured =
      at.found && isObject(at.value) && Object.keys(at.value).length > 0;
    // A key whose default is an empty map or a list takes whatever is put there.
    if (
      at.found &&
      !structured &&
      (Array.isArray(at.value) || isObject(at.value))
    ) {
      return true;
    }
    // Read whole: nothing below it is read, so the template hands it on as it is
    // (`toYaml`), even when the chart gives it a structured default (a probe).
    if (reads.readsWhole(prefix)) return true;
    // Read, and the chart gives it no structure of its own.
    if (reads.reads(prefix) && !structured) return true;
  }
  return false;
}

function usedByTree(
  chart: ChartPathData,
  path: string[],
  unchecked: string[],
): boolean {
  if (chartUses(chart, path)) return true;
  const [head, ...rest] = path;
  if (head === 'global') {
    // Globals reach every subchart.
    return chart.dependencies.some(
      d => d.data && usedByTree(d.data, path, unchecked),
    );
  }
  const dep = chart.dependencies.find(d => (d.alias ?? d.name) === head);
  if (!dep || rest.length === 0) return false;
  if (!dep.data) {
    unchecked.push(path.join('.'));
    return true;
  }
  return usedByTree(dep.data, rest, unchecked);
}

/**
 * Every value path in `values` that neither the chart nor the subchart its first key names
 * uses; a map none of whose values is used is named once. Values under a subchart without
 * contract data cannot be judged: they are returned in `unchecked` instead.
 */
export function unusedValuePaths(
  chart: ChartPathData,
  values: JsonObject,
): { unused: UnusedValue[]; unchecked: string[] } {
  const unchecked: string[] = [];
  const leaves = leafPaths(values);
  const isUnused = leaves.map(path => !usedByTree(chart, path, unchecked));
  const someUsedUnder = (prefix: string[]) =>
    leaves.some(
      (other, j) => !isUnused[j] && prefix.every((key, k) => other[k] === key),
    );
  const reported = new Set<string>();
  const unused: UnusedValue[] = [];
  leaves.forEach((path, i) => {
    if (!isUnused[i]) return;
    // Name the highest key none of whose values is used (`minio`, not each key below it).
    let depth = 1;
    while (depth < path.length && someUsedUnder(path.slice(0, depth))) depth++;
    const shown = path.slice(0, depth);
    const dotted = shown.join('.');
    if (reported.has(dotted)) return;
    reported.add(dotted);
    const dep = chart.dependencies.find(d => (d.alias ?? d.name) === path[0]);
    const owner = dep?.data && shown.length > 1 ? dep.data : chart;
    unused.push({ chart: owner.name, version: owner.version, path: dotted });
  });
  return { unused, unchecked };
}

/**
 * The maps of a values schema whose keys are left open (`patternProperties`), dotted,
 * down the schema's `properties`.
 */
export function openMapsOfSchema(
  schema: JsonObject | undefined,
  prefix: string[] = [],
): string[] {
  if (!schema) return [];
  const out: string[] = [];
  if (prefix.length && isObject(schema.patternProperties)) {
    out.push(prefix.join('.'));
  }
  if (isObject(schema.properties)) {
    for (const [key, sub] of Object.entries(schema.properties)) {
      if (isObject(sub)) out.push(...openMapsOfSchema(sub, [...prefix, key]));
    }
  }
  return out;
}
