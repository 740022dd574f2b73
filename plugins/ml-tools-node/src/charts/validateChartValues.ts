import Ajv, { type Options, type ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { InputError } from '@backstage/errors';
import type { JsonObject, JsonValue } from '@backstage/types';
import { coalesceRelease, isJsonObject, type CoalescedChart } from './coalesce';
import { describeErrors } from './describeErrors';
import type { ChartFiles, ValuesIssue } from './types';

/**
 * A chart's `values.schema.json` refers (`$ref`) to a document outside its package, which
 * the preflight does not fetch: its values cannot be checked here. Helm fetches it at
 * install time.
 *
 * @public
 */
export class ChartSchemaOutsidePackageError extends InputError {
  /** The reference that could not be resolved. */
  readonly missingRef: string;

  constructor(message: string, missingRef: string) {
    // Keeps the name InputError: callers that map errors to HTTP answer 400.
    super(message);
    this.missingRef = missingRef;
  }
}

const MAX_COMPILED = 64;
const MAX_LISTED = 50;

interface Compiled {
  schema: JsonObject;
  text?: string;
  validate: ValidateFunction;
}

// Charts are pinned, so a name and version names one schema; the schema itself is compared
// too, because two repositories may publish different packages under the same pair.
const compiled = new Map<string, Compiled>();

/**
 * Go's RE2, which Helm's validator uses, takes leading inline flags (`(?i)`) that JavaScript
 * spells as RegExp flags; everything else chart authors write reads the same in both.
 */
const goRegExp = Object.assign(
  (pattern: string, flags: string) => {
    const inline = /^\(\?([ims]+)\)/.exec(pattern);
    if (!inline) return new RegExp(pattern, flags);
    return new RegExp(pattern.slice(inline[0].length), `${flags}${inline[1]}`);
  },
  { code: 'goRegExp' },
);

/**
 * Draft-04's boolean `exclusiveMaximum`/`exclusiveMinimum` in the numeric form later drafts
 * use; nothing else of draft-04 reads differently for the schemas charts ship.
 */
function fromDraft04(node: JsonValue): JsonValue {
  if (Array.isArray(node)) return node.map(fromDraft04);
  if (!isJsonObject(node)) return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node))
    if (v !== undefined) out[k] = fromDraft04(v);
  for (const [flag, bound] of [
    ['exclusiveMaximum', 'maximum'],
    ['exclusiveMinimum', 'minimum'],
  ] as const) {
    if (typeof out[flag] !== 'boolean') continue;
    if (out[flag] && typeof out[bound] === 'number') {
      out[flag] = out[bound];
      delete out[bound];
    } else {
      delete out[flag];
    }
  }
  return out;
}

/**
 * The validator Helm would use for the schema's `$schema`. Helm asserts `format` for draft-07
 * and older only, and reads a schema that names no draft (or the bare
 * `http://json-schema.org/schema#` Bitnami uses) as 2020-12.
 */
function validatorFor(schema: JsonObject) {
  const { $schema, ...body } = schema;
  const draft = typeof $schema === 'string' ? $schema : '';
  const options: Options = {
    allErrors: true,
    verbose: true,
    strict: false,
    logger: false,
    unicodeRegExp: false,
    code: { regExp: goRegExp },
  };
  const older = /draft-0[4-7]/.exec(draft);
  if (older) {
    const ajv = new Ajv(options);
    addFormats(ajv);
    const compatible = draft.includes('draft-04') ? fromDraft04(body) : body;
    return ajv.compile(compatible as JsonObject);
  }
  const Later = draft.includes('2019-09') ? Ajv2019 : Ajv2020;
  return new Later({ ...options, validateFormats: false }).compile(body);
}

function compile(chart: ChartFiles, schema: JsonObject): ValidateFunction {
  const key = `${chart.name}@${chart.version}`;
  const hit = compiled.get(key);
  if (hit) {
    if (hit.schema !== schema) {
      hit.text ??= JSON.stringify(hit.schema);
      if (hit.text !== JSON.stringify(schema)) {
        compiled.delete(key);
        return compile(chart, schema);
      }
    }
    // Refresh its place so the least recently used chart is dropped first.
    compiled.delete(key);
    compiled.set(key, hit);
    return hit.validate;
  }
  let validate: ValidateFunction;
  try {
    validate = validatorFor(schema);
  } catch (e) {
    const missingRef = (e as { missingRef?: string }).missingRef;
    const heading = `The values.schema.json of chart ${chart.name} ${chart.version} cannot be used to check values`;
    if (missingRef) {
      throw new ChartSchemaOutsidePackageError(
        `${heading}: it refers to ${missingRef}, outside the chart package, which the preflight does not fetch`,
        missingRef,
      );
    }
    throw new InputError(`${heading}: ${(e as Error).message}`);
  }
  compiled.set(key, { schema, validate });
  if (compiled.size > MAX_COMPILED) {
    compiled.delete(compiled.keys().next().value!);
  }
  return validate;
}

function validateTree(node: CoalescedChart, out: ValuesIssue[]) {
  const { files, values, pointer } = node;
  if (files.schema) {
    const validate = compile(files, files.schema);
    if (!validate(values)) {
      for (const issue of describeErrors(validate.errors ?? [], pointer)) {
        // Globals are set once for every chart, at the top of the release's values.
        const path = issue.path.startsWith(`${pointer}/global`)
          ? issue.path.slice(pointer.length)
          : issue.path;
        out.push({
          chart: files.name,
          version: files.version,
          path,
          message: issue.message,
        });
      }
    }
  }
  for (const sub of node.subcharts) validateTree(sub, out);
}

/**
 * Checks a release's values the way Helm does before it renders: user values merged over the
 * chart's defaults, checked against the chart's `values.schema.json`; each enabled subchart's
 * values (with its own defaults and the globals) against the subchart's schema. Paths are JSON
 * pointers into the release's values. An empty list means Helm would accept the values.
 *
 * @public
 */
export function validateChartValues(
  chart: ChartFiles,
  values: JsonObject,
): ValuesIssue[] {
  const issues: ValuesIssue[] = [];
  validateTree(coalesceRelease(chart, values), issues);
  return issues;
}

/**
 * Helm's wording for refused values: one heading per chart, one line per value and rule.
 *
 * @public
 */
export function formatValuesIssues(
  chart: ChartFiles,
  issues: readonly ValuesIssue[],
): string {
  if (issues.length === 0) return '';
  const byChart = new Map<string, ValuesIssue[]>([[chart.name, []]]);
  for (const issue of issues) {
    byChart.set(issue.chart, [...(byChart.get(issue.chart) ?? []), issue]);
  }
  const lines = [
    "values don't meet the specifications of the schema(s) in the following chart(s):",
  ];
  let listed = 0;
  for (const [name, list] of byChart) {
    if (list.length === 0 || listed >= MAX_LISTED) continue;
    lines.push(`${name}:`);
    for (const issue of list.slice(0, MAX_LISTED - listed)) {
      lines.push(`- at '${issue.path}': ${issue.message}`);
      listed += 1;
    }
  }
  if (issues.length > listed) {
    lines.push(`(and ${issues.length - listed} more)`);
  }
  return lines.join('\n');
}
