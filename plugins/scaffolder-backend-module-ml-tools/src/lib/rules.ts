import { InputError, NotAllowedError } from '@backstage/errors';
import type { JsonObject } from '@backstage/types';
import {
  namespaceRefusal,
  toolSettings,
  type AnyToolBlueprint,
  type MlToolsConfig,
} from '@ml-platform/plugin-ml-tools-node';

/*
 * The server-side rules every template input meets before the first write, in dry runs
 * and runs alike. Each refusal names the field and states the rule in words: a form may
 * check the same in the browser, but only these checks count.
 */

/** Refuses namespaces outside the allowed patterns, system ones and the portal's own. */
export function assertNamespaceAllowed(
  config: MlToolsConfig,
  namespace: string,
  field = 'input.namespace',
): void {
  const why = namespaceRefusal(config, namespace);
  if (why) {
    throw new NotAllowedError(
      `${field} "${namespace}" is not allowed: it ${why}`,
    );
  }
}

/** Refuses a host domain outside `mlTools.allowedDomains`. */
export function assertDomainAllowed(
  config: MlToolsConfig,
  domain: string | undefined,
  field = 'input.domain',
): void {
  if (domain === undefined || config.allowedDomains.includes(domain)) return;
  throw new InputError(
    `Invalid input: ${field} "${domain}" is not a domain instances may use; allowed domains (mlTools.allowedDomains): ${config.allowedDomains.join(
      ', ',
    )}`,
  );
}

/** Refuses more groups in one role than `mlTools.groups.maxPerRole`. */
export function assertGroupCount(
  config: MlToolsConfig,
  mappings: Record<string, string[]> | undefined,
  field: string,
): void {
  const max = config.groups.maxPerRole;
  for (const [role, groups] of Object.entries(mappings ?? {})) {
    if (groups.length > max) {
      throw new InputError(
        `Invalid input: ${field}.${role} lists ${groups.length} groups; a role may be given to at most ${max} groups (mlTools.groups.maxPerRole)`,
      );
    }
  }
}

/**
 * Checks the shape of a Keycloak group path: starts with `/`, no empty segment, no `.`
 * or `..` segment, bounded depth and length. Returns it unchanged.
 */
export function checkGroupPath(
  config: MlToolsConfig,
  path: string,
  field: string,
): string {
  const { maxDepth, maxPathLength } = config.groups;
  const refuse = (rule: string) =>
    new InputError(`Invalid input: ${field} "${path}" ${rule}`);
  if (!path.startsWith('/')) {
    throw refuse('must be a group path starting with /');
  }
  if (path.length > maxPathLength) {
    throw refuse(
      `is ${path.length} characters long; a group path has at most ${maxPathLength} (mlTools.groups.maxPathLength)`,
    );
  }
  const segments = path.slice(1).split('/');
  if (segments.some(s => s === '')) {
    throw refuse(
      "has an empty segment: a group path is '/' followed by group names separated by single '/'",
    );
  }
  if (segments.some(s => s === '.' || s === '..')) {
    throw refuse("has a '.' or '..' segment; name each group of the path");
  }
  if (segments.some(s => s.trim() !== s)) {
    throw refuse('has a segment starting or ending with a space');
  }
  if (segments.length > maxDepth) {
    throw refuse(
      `is ${segments.length} levels deep; a group path has at most ${maxDepth} (mlTools.groups.maxDepth)`,
    );
  }
  return path;
}

/** Refuses a group the suite would create whose segments break the configured rule. */
export function assertNewGroupPath(
  config: MlToolsConfig,
  path: string,
  field: string,
): void {
  const pattern = new RegExp(config.groups.newGroupPattern, 'u');
  const bad = path
    .slice(1)
    .split('/')
    .find(s => !pattern.test(s));
  if (bad !== undefined) {
    throw new InputError(
      `Invalid input: ${field} "${path}" does not exist yet and cannot be created: its segment "${bad}" must be ${config.groups.newGroupRule} (mlTools.groups.newGroupPattern)`,
    );
  }
}

/**
 * The blueprint's parameters, checked against its schema with unknown keys refused:
 * a misspelt parameter would otherwise be dropped without a word.
 */
export function blueprintParameters(
  blueprint: AnyToolBlueprint,
  raw: unknown,
  field = 'input.parameters',
): JsonObject {
  const issues: string[] = [];
  const params = blueprint.parameters.safeParse(raw);
  if (!params.success) {
    issues.push(
      ...params.error.issues.map(
        i =>
          `${field}${i.path.map(p => `.${String(p)}`).join('')} ${i.message}`,
      ),
    );
  }
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    // Zod object schemas (v3 and v4) expose their keys as `shape`; for any other
    // schema, what parsing kept is what it knows.
    const shape = (blueprint.parameters as { shape?: object }).shape;
    const known = new Set(
      Object.keys(
        shape ?? (params.success ? (params.data as object) ?? {} : raw),
      ),
    );
    for (const key of Object.keys(raw)) {
      if (!known.has(key)) {
        issues.push(
          `${field}.${key} is not a parameter of blueprint "${
            blueprint.id
          }"; its parameters: ${[...known].sort().join(', ') || 'none'}`,
        );
      }
    }
  }
  if (issues.length > 0) {
    throw new InputError(`Invalid input: ${issues.join('; ')}`);
  }
  return (params as { data: JsonObject }).data;
}

/**
 * The blueprint's rules between its parameters and the platform's settings of the tool
 * (`mlTools.tools.<id>`), such as an image the platform must list.
 */
export function assertParametersAgreeWithSettings(
  config: MlToolsConfig,
  blueprint: AnyToolBlueprint,
  params: JsonObject,
  field = 'input.parameters',
): void {
  if (!blueprint.checkParameters) return;
  const refusals = blueprint.checkParameters(
    params,
    toolSettings(blueprint, config.tools),
  );
  if (refusals.length > 0) {
    throw new InputError(
      `Invalid input: ${refusals
        .map(r => `${field}.${r.parameter} ${r.rule}`)
        .join('; ')}`,
    );
  }
}
