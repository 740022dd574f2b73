import { badRequest } from './errors';
import { getPath } from './json';
import { isLabelValue, qualifiedNameProblem } from './validation';

/**
 * One requirement of a label selector.
 *
 * @public
 */
export type LabelRequirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'notexists' };

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(input: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of input) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  parts.push(cur);
  return parts;
}

function checkKey(key: string, raw: string): void {
  const problem = qualifiedNameProblem(key);
  if (problem) {
    throw badRequest(
      `unable to parse requirement: invalid label key "${key}": ${problem} (in "${raw}")`,
    );
  }
}

function checkValue(value: string, raw: string): void {
  if (!isLabelValue(value)) {
    throw badRequest(
      `unable to parse requirement: invalid label value: "${value}" (in "${raw}")`,
    );
  }
}

/**
 * Parses a label selector in the API's string form: `a=b`, `a==b`, `a!=b`,
 * `a in (x,y)`, `a notin (x)`, `a` (exists) and `!a` (does not exist), comma-separated.
 * Equality is represented as `in` with one value so one matcher serves both.
 */
export function parseLabelSelector(
  input: string | undefined | null,
): LabelRequirement[] {
  if (!input || !input.trim()) return [];
  const out: LabelRequirement[] = [];
  for (const rawPart of splitTopLevel(input)) {
    const part = rawPart.trim();
    if (!part)
      throw badRequest(
        `unable to parse requirement: found '', expected: identifier`,
      );
    let m = /^!\s*([^\s=!()]+)$/.exec(part);
    if (m) {
      checkKey(m[1], part);
      out.push({ key: m[1], op: 'notexists' });
      continue;
    }
    m = /^([^\s=!()]+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part);
    if (m) {
      checkKey(m[1], part);
      const values = m[3].split(',').map(v => v.trim());
      if (values.length === 1 && values[0] === '') {
        throw badRequest(
          `unable to parse requirement: for 'in', 'notin' operators, values set can't be empty`,
        );
      }
      values.forEach(v => checkValue(v, part));
      out.push({ key: m[1], op: m[2] as 'in' | 'notin', values });
      continue;
    }
    m = /^([^\s=!()]+)\s*(==|=|!=)\s*([^\s=!(),]*)$/.exec(part);
    if (m) {
      checkKey(m[1], part);
      checkValue(m[3], part);
      out.push({
        key: m[1],
        op: m[2] === '!=' ? 'notin' : 'in',
        values: [m[3]],
      });
      continue;
    }
    m = /^([^\s=!()]+)$/.exec(part);
    if (m) {
      checkKey(m[1], part);
      out.push({ key: m[1], op: 'exists' });
      continue;
    }
    throw badRequest(
      `unable to parse requirement: ${JSON.stringify(
        part,
      )} is not a valid label selector`,
    );
  }
  return out;
}

/** Whether a set of labels satisfies every requirement (`!=` and `notin` match absent keys). */
export function matchesLabels(
  requirements: readonly LabelRequirement[],
  labels: Record<string, string> | undefined,
): boolean {
  for (const r of requirements) {
    const has =
      labels !== undefined &&
      Object.prototype.hasOwnProperty.call(labels, r.key);
    switch (r.op) {
      case 'exists':
        if (!has) return false;
        break;
      case 'notexists':
        if (has) return false;
        break;
      case 'in':
        if (!has || !r.values.includes(labels![r.key])) return false;
        break;
      case 'notin':
        if (has && r.values.includes(labels![r.key])) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/**
 * Converts a structured `LabelSelector` (`matchLabels` / `matchExpressions`), as found in
 * workload specs, into requirements.
 */
export function fromLabelSelectorObject(selector: unknown): LabelRequirement[] {
  const out: LabelRequirement[] = [];
  if (!selector || typeof selector !== 'object') return out;
  const s = selector as {
    matchLabels?: Record<string, string>;
    matchExpressions?: unknown[];
  };
  for (const [k, v] of Object.entries(s.matchLabels ?? {}))
    out.push({ key: k, op: 'in', values: [String(v)] });
  for (const e of s.matchExpressions ?? []) {
    const ex = e as { key: string; operator: string; values?: string[] };
    const op = ex.operator?.toLowerCase();
    if (op === 'in' || op === 'notin')
      out.push({ key: ex.key, op, values: ex.values ?? [] });
    else if (op === 'exists') out.push({ key: ex.key, op: 'exists' });
    else if (op === 'doesnotexist') out.push({ key: ex.key, op: 'notexists' });
  }
  return out;
}

/**
 * One requirement of a field selector.
 *
 * @public
 */
export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** Fields every kind can be selected on. */
const COMMON_FIELDS = ['metadata.name', 'metadata.namespace'];

/** Extra selectable fields of some kinds, as the API server registers them. */
const EXTRA_FIELDS: Record<string, string[]> = {
  '/pods': [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  '/events': [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  '/secrets': ['type'],
  '/namespaces': ['status.phase'],
  '/replicationcontrollers': ['status.replicas'],
  'apps/replicasets': ['status.replicas'],
  'batch/jobs': ['status.successful'],
};

/** Parses `metadata.name=x,metadata.namespace!=y`; unknown fields are a 400 as in the API. */
export function parseFieldSelector(
  input: string | undefined | null,
  resourceKey: string,
): FieldRequirement[] {
  if (!input || !input.trim()) return [];
  const allowed = [...COMMON_FIELDS, ...(EXTRA_FIELDS[resourceKey] ?? [])];
  return input.split(',').map(raw => {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*([^,]*?)\s*$/.exec(raw);
    if (!m) throw badRequest(`invalid field selector: ${JSON.stringify(raw)}`);
    if (!allowed.includes(m[1])) {
      throw badRequest(`field label not supported: ${m[1]}`);
    }
    return { field: m[1], op: m[2] === '!=' ? '!=' : '=', value: m[3] };
  });
}

/** Whether an object satisfies the field requirements (missing fields compare as ""). */
export function matchesFields(
  requirements: readonly FieldRequirement[],
  obj: unknown,
): boolean {
  for (const r of requirements) {
    const v = getPath(obj, r.field.split('.'));
    const s = v === undefined || v === null ? '' : String(v);
    if (r.op === '=' ? s !== r.value : s === r.value) return false;
  }
  return true;
}
