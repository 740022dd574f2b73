import {
  type Entity,
  type EntityLink,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  keycloakGroupEntityRef,
  ML_PLATFORM_ANNOTATIONS,
} from '@ml-platform/plugin-ml-tools-common';

/**
 * The Keycloak realm an instance's client lives in, as the provider knows it from config.
 *
 * @public
 */
export interface MlToolsKeycloakTarget {
  /** Stable name of the server in `ml-platform.io/keycloak-client` values (its host). */
  server: string;
  /** Base of admin console links (`consoleBaseUrl`, else `baseUrl`). */
  baseUrl: string;
  realm: string;
}

/** Result of turning one upstream object into entities. */
export interface TransformResult {
  entities: Entity[];
  /** Why the object was skipped or only partly used, for a warning. */
  problems: string[];
}

/** The location annotations of everything one source emits. */
export function sourceLocation(source: string): string {
  return `ml-tools:${source}`;
}

/** A non-empty string, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** A plain object, or undefined. */
export function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Parses an annotation's JSON; a broken one is a problem, not a failure. */
export function parseJson(
  raw: string | undefined,
  what: string,
  problems: string[],
): unknown {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    problems.push(`annotation ${what} is not valid JSON`);
    return undefined;
  }
}

/**
 * The owner ref of an object: the owner annotation when it holds an entity ref, else the
 * owner label (a group name) as `group:default/<name>`.
 */
export function ownerRef(
  annotation: string | undefined,
  label: string | undefined,
): string | undefined {
  if (annotation) {
    try {
      return stringifyEntityRef(
        parseEntityRef(annotation, {
          defaultKind: 'group',
          defaultNamespace: 'default',
        }),
      );
    } catch {
      // fall through to the label
    }
  }
  return label ? keycloakGroupEntityRef(label) : undefined;
}

/** The http(s) links of the links annotation. */
export function parseLinks(raw: unknown, problems: string[]): EntityLink[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    problems.push(
      `annotation ${ML_PLATFORM_ANNOTATIONS.links} is not an array`,
    );
    return [];
  }
  const links: EntityLink[] = [];
  for (const item of raw) {
    const link = record(item);
    const url = str(link?.url);
    if (!url || !/^https?:\/\//.test(url)) continue;
    links.push({
      url,
      ...(str(link?.title) ? { title: str(link?.title) } : {}),
      ...(str(link?.type) ? { type: str(link?.type) } : {}),
      ...(str(link?.icon) ? { icon: str(link?.icon) } : {}),
    });
  }
  return links;
}

/** The tag of a tool: its id, made tag-safe. */
export function tagOf(tool: string): string[] {
  const tag = tool
    .toLocaleLowerCase('en-US')
    .replace(/[^a-z0-9+#-]/g, '-')
    .slice(0, 63);
  return tag ? [tag] : [];
}
