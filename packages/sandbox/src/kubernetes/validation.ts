import type { StatusCause } from './errors';
import type { NameRule } from './resources';

const LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN_RE =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** Checks a DNS-1123 label (namespaces, services): at most 63 characters, no dots. */
export function isDnsLabel(value: string): boolean {
  return value.length <= 63 && LABEL_RE.test(value);
}

/** Checks a DNS-1123 subdomain (most kinds): at most 253 characters. */
export function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 && SUBDOMAIN_RE.test(value);
}

/** Problems with `metadata.name` under the kind's naming rule; empty when valid. */
export function validateName(
  name: string,
  rule: NameRule,
  field = 'metadata.name',
): StatusCause[] {
  const invalidValue = (msg: string): StatusCause[] => [
    {
      reason: 'FieldValueInvalid',
      field,
      message: `Invalid value: ${JSON.stringify(name)}: ${msg}`,
    },
  ];
  if (rule === 'path') {
    if (name === '.' || name === '..')
      return invalidValue(`may not be '${name}'`);
    for (const bad of ['/', '%']) {
      if (name.includes(bad)) return invalidValue(`may not contain '${bad}'`);
    }
    return [];
  }
  if (rule === 'label') {
    if (name.length > 63)
      return invalidValue('must be no more than 63 characters');
    return LABEL_RE.test(name) ? [] : invalidValue(LABEL_MSG);
  }
  if (name.length > 253)
    return invalidValue('must be no more than 253 characters');
  return SUBDOMAIN_RE.test(name) ? [] : invalidValue(SUBDOMAIN_MSG);
}

/** Why a label or annotation key is not a qualified name; undefined when valid. */
export function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (
    prefix !== undefined &&
    (prefix.length === 0 || !isDnsSubdomain(prefix))
  ) {
    return 'prefix part must be a lowercase RFC 1123 subdomain';
  }
  if (name.length === 0 || name.length > 63) {
    return 'name part must be non-empty and no more than 63 characters';
  }
  if (!QUALIFIED_NAME_RE.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

/** Whether a label value is acceptable (at most 63 characters, may be empty). */
export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE_RE.test(value);
}

/** Problems with `metadata.labels` and `metadata.annotations` keys and label values. */
export function validateLabelsAndAnnotations(meta: {
  labels?: unknown;
  annotations?: unknown;
}): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [field, map] of [
    ['metadata.labels', meta.labels],
    ['metadata.annotations', meta.annotations],
  ] as const) {
    if (map === undefined || map === null) continue;
    if (typeof map !== 'object' || Array.isArray(map)) {
      causes.push({
        field,
        reason: 'FieldValueTypeInvalid',
        message: 'must be a map of strings',
      });
      continue;
    }
    for (const [k, v] of Object.entries(map as Record<string, unknown>)) {
      const problem = qualifiedNameProblem(k);
      if (problem) {
        causes.push({
          field,
          message: `Invalid value: ${JSON.stringify(k)}: ${problem}`,
        });
      }
      if (typeof v !== 'string') {
        causes.push({
          field: `${field}.${k}`,
          reason: 'FieldValueTypeInvalid',
          message: 'must be a string',
        });
      } else if (field === 'metadata.labels' && !isLabelValue(v)) {
        causes.push({
          field,
          message: `Invalid value: ${JSON.stringify(
            v,
          )}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
        });
      }
    }
  }
  return causes;
}
