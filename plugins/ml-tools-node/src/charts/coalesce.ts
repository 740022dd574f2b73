import type { JsonObject, JsonValue } from '@backstage/types';
import type { ChartDependency, ChartFiles } from './types';

/** A chart or enabled subchart with the values Helm would render it with. */
export interface CoalescedChart {
  files: ChartFiles;
  values: JsonObject;
  /** JSON pointer of this chart's values inside the release's values ('' for the chart itself). */
  pointer: string;
  subcharts: CoalescedChart[];
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Helm's merge of user values over a chart's defaults: maps merge key by key, anything else
 * (lists included) is replaced, and a user's `null` removes the default.
 */
export function coalesceValues(
  defaults: JsonObject,
  overrides: JsonObject,
): JsonObject {
  const out: JsonObject = { ...defaults };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === null) {
      delete out[key];
    } else if (isJsonObject(value) && isJsonObject(out[key])) {
      out[key] = coalesceValues(out[key] as JsonObject, value);
    } else if (value !== undefined) {
      out[key] = value;
    }
  }
  return out;
}

/**
 * Helm hands every subchart a `global` map: the parent's globals merged over the subchart's
 * own, so a parent's global setting wins.
 */
function withGlobals(
  values: JsonObject,
  parentGlobal: JsonValue | undefined,
): JsonObject {
  const own = isJsonObject(values.global) ? values.global : {};
  return {
    ...values,
    global: coalesceValues(own, isJsonObject(parentGlobal) ? parentGlobal : {}),
  };
}

export function valuesKeyOf(dep: ChartDependency): string {
  return dep.alias ?? dep.name;
}

/**
 * Helm's reading of a dependency condition: comma-separated paths into the parent's values,
 * the first one holding a boolean decides, and no boolean at all leaves the subchart on.
 */
export function conditionHolds(
  condition: string | undefined,
  parentValues: JsonObject,
): boolean {
  if (!condition) return true;
  for (const path of condition.split(',').map(p => p.trim())) {
    if (!path) continue;
    let cursor: JsonValue | undefined = parentValues;
    for (const part of path.split('.')) {
      cursor = isJsonObject(cursor) ? cursor[part] : undefined;
    }
    if (typeof cursor === 'boolean') return cursor;
  }
  return true;
}

function coalesceTree(
  files: ChartFiles,
  overrides: JsonObject,
  pointer: string,
  parentGlobal: JsonValue | undefined,
  isEnabled: (pointer: string) => boolean,
): CoalescedChart {
  const merged = coalesceValues(files.defaults, overrides);
  const values = pointer === '' ? merged : withGlobals(merged, parentGlobal);
  const subcharts: CoalescedChart[] = [];
  for (const dep of files.dependencies) {
    const key = valuesKeyOf(dep);
    const subPointer = `${pointer}/${escapePointer(key)}`;
    if (!dep.files || !isEnabled(subPointer)) continue;
    const own = values[key];
    const sub = coalesceTree(
      dep.files,
      isJsonObject(own) ? own : {},
      subPointer,
      values.global,
      isEnabled,
    );
    values[key] = sub.values;
    subcharts.push(sub);
  }
  return { files, values, pointer, subcharts };
}

function disabledSubcharts(
  tree: CoalescedChart,
  out: Set<string>,
): Set<string> {
  for (const dep of tree.files.dependencies) {
    const subPointer = `${tree.pointer}/${escapePointer(valuesKeyOf(dep))}`;
    if (!conditionHolds(dep.condition, tree.values)) out.add(subPointer);
  }
  for (const sub of tree.subcharts) {
    if (!out.has(sub.pointer)) disabledSubcharts(sub, out);
  }
  return out;
}

/**
 * The values each chart of the release would be rendered with. Like Helm, conditions are read
 * from values that already hold every subchart's defaults; then disabled subcharts are dropped
 * and their defaults are not merged in.
 */
export function coalesceRelease(
  chart: ChartFiles,
  values: JsonObject,
): CoalescedChart {
  const everything = coalesceTree(chart, values, '', undefined, () => true);
  const disabled = disabledSubcharts(everything, new Set());
  if (disabled.size === 0) return everything;
  return coalesceTree(chart, values, '', undefined, p => !disabled.has(p));
}

export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
