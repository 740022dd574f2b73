import { parseEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import type { JsonObject } from '@backstage/types';
import { z } from 'zod';
import type { InstanceRef } from '@ml-platform/plugin-ml-tools-common';
import type { MlToolsConfig } from '../config/readMlToolsConfig';
import { instanceLabels } from './labels';
import type {
  AnyToolBlueprint,
  BlueprintClient,
  BlueprintContext,
  BlueprintPart,
} from './types';

/**
 * The key of an instance's own Keycloak client.
 *
 * @public
 */
export const MAIN_CLIENT = 'main';

/**
 * The component of the part that stands for the instance.
 *
 * @public
 */
export const MAIN_COMPONENT = 'main';

/** Helm limits release names to 53 characters. */
const MAX_RELEASE_NAME = 53;

/**
 * Names of the Secrets of an instance: its secrets, and each client's credentials.
 *
 * @public
 */
export function instanceSecretNames(instance: string): {
  generated: string;
  oidc: (clientKey?: string) => string;
} {
  return {
    generated: `${instance}-secrets`,
    oidc: (clientKey = MAIN_CLIENT) =>
      clientKey === MAIN_CLIENT
        ? `${instance}-oidc`
        : `${instance}-${clientKey}-oidc`,
  };
}

/**
 * The clientId of one of an instance's clients.
 *
 * @public
 */
export function instanceClientId(
  instanceClientBase: string,
  client: Pick<BlueprintClient, 'key'>,
): string {
  return client.key === MAIN_CLIENT
    ? instanceClientBase
    : `${instanceClientBase}-${client.key}`;
}

/**
 * Input of {@link createBlueprintContext}.
 *
 * @public
 */
export interface BlueprintContextInput {
  blueprint: AnyToolBlueprint;
  instance: InstanceRef;
  /** Entity ref of the owner group. */
  owner: string;
  title?: string;
  description?: string;
  /** Domain of the host; `mlTools.baseDomain` when absent. */
  domain?: string;
  /** Parameters already checked against the blueprint's schema. */
  params: JsonObject;
  /** Role → full group paths. */
  roleMappings: Record<string, string[]>;
  /** Base of the Keycloak clientIds; `<instance>` by default. */
  clientId?: string;
}

/**
 * The platform's settings of a tool: `mlTools.tools.<id>` checked against the
 * blueprint's `settings` schema (`{}` for blueprints with none). Throws an InputError
 * naming the config key and the rule; values are never quoted.
 *
 * @public
 */
export function toolSettings(
  blueprint: AnyToolBlueprint,
  tools: Readonly<Record<string, JsonObject>> = {},
): JsonObject {
  const raw = tools[blueprint.id];
  if (!blueprint.settings) {
    if (raw && Object.keys(raw).length > 0) {
      throw new InputError(
        `Invalid config: mlTools.tools.${blueprint.id} is set, but blueprint "${blueprint.id}" takes no settings`,
      );
    }
    return {};
  }
  const result = blueprint.settings.safeParse(raw ?? {});
  if (!result.success) {
    const details = result.error.issues
      .map(
        i =>
          `mlTools.tools.${blueprint.id}${i.path
            .map(p => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
            .join('')} ${i.message}`,
      )
      .join('; ');
    throw new InputError(`Invalid config: ${details}`);
  }
  return result.data as JsonObject;
}

/**
 * Checks every tool's settings in config once, when the backend starts: those of each
 * known blueprint against its schema, and that no settings name an unknown blueprint.
 * Throws an InputError naming the first offending key.
 *
 * @public
 */
export function checkToolSettings(
  tools: Readonly<Record<string, JsonObject>>,
  blueprints: readonly AnyToolBlueprint[],
): void {
  const known = new Set(blueprints.map(b => b.id));
  for (const id of Object.keys(tools)) {
    if (!known.has(id)) {
      throw new InputError(
        `Invalid config: mlTools.tools.${id} names no known blueprint; known: ${[
          ...known,
        ]
          .sort()
          .join(', ')}`,
      );
    }
  }
  for (const blueprint of blueprints) toolSettings(blueprint, tools);
}

/**
 * Builds the context a blueprint's functions receive, from the template input and
 * the config.
 *
 * @public
 */
export function createBlueprintContext(
  config: Pick<MlToolsConfig, 'baseDomain' | 'ingressScheme' | 'keycloak'> &
    Partial<Pick<MlToolsConfig, 'tools'>>,
  input: BlueprintContextInput,
): BlueprintContext {
  const ownerName = parseEntityRef(input.owner, {
    defaultKind: 'group',
    defaultNamespace: 'default',
  }).name;
  const host = `${input.instance.name}.${input.domain ?? config.baseDomain}`;
  const names = instanceSecretNames(input.instance.name);
  const clientBase = input.clientId ?? input.instance.name;
  const clients = input.blueprint.keycloak?.clients ?? [];
  return {
    instance: input.instance,
    owner: input.owner,
    ownerName,
    title: input.title ?? `${input.blueprint.title} ${input.instance.name}`,
    description: input.description,
    host,
    url: `${config.ingressScheme}://${host}`,
    params: input.params,
    settings: toolSettings(input.blueprint, config.tools),
    roleMappings: input.roleMappings,
    secretName: names.generated,
    keycloak: clients.length
      ? {
          issuerUrl: `${config.keycloak.baseUrl}/realms/${config.keycloak.realm}`,
          clients: Object.fromEntries(
            clients.map(c => [
              c.key,
              {
                clientId: instanceClientId(clientBase, c),
                secretName: names.oidc(c.key),
              },
            ]),
          ),
        }
      : undefined,
    labels: instanceLabels({
      instance: input.instance.name,
      tool: input.blueprint.id,
      ownerName,
    }),
  };
}

/**
 * The full paths of every group some role is mapped to, sorted: who may sign in.
 *
 * @public
 */
export function mappedGroupPaths(
  roleMappings: Record<string, string[]>,
): string[] {
  return [...new Set(Object.values(roleMappings).flat())].sort();
}

/**
 * The groups of the roles named, as full paths, sorted.
 *
 * @public
 */
export function groupsOfRoles(
  roleMappings: Record<string, string[]>,
  roles: string[],
): string[] {
  return [...new Set(roles.flatMap(r => roleMappings[r] ?? []))].sort();
}

/**
 * The parts of an instance, checked: exactly one is `main` (anywhere in the order: what
 * it needs may come first), a `main` release is named after the instance, components
 * and release names are unique, release names fit Helm's limit, objects of kinds the blueprint
 * declares. A violation is the blueprint's bug or an input too long, named.
 *
 * @public
 */
export function blueprintParts(
  blueprint: AnyToolBlueprint,
  ctx: BlueprintContext,
): BlueprintPart[] {
  const parts = blueprint.parts(ctx);
  const mains = parts.filter(p => p.component === MAIN_COMPONENT);
  if (mains.length !== 1) {
    throw new Error(
      `Blueprint "${blueprint.id}": exactly one part must be the "${MAIN_COMPONENT}" component (found ${mains.length})`,
    );
  }
  // The instance is found by its main release's name (see findAnchor).
  const [main] = mains;
  if (main.type === 'release' && main.name !== ctx.instance.name) {
    throw new Error(
      `Blueprint "${blueprint.id}": the "${MAIN_COMPONENT}" release must be named after the instance ("${ctx.instance.name}"), not "${main.name}"`,
    );
  }
  const components = new Set<string>();
  const declared = new Set(
    (blueprint.objectKinds ?? []).map(k => `${k.apiVersion}/${k.kind}`),
  );
  for (const part of parts) {
    if (components.has(part.component) && part.type === 'release') {
      throw new Error(
        `Blueprint "${blueprint.id}": two releases have the component "${part.component}"`,
      );
    }
    components.add(part.component);
    if (part.type === 'release' && part.name.length > MAX_RELEASE_NAME) {
      throw new InputError(
        `Invalid input: input.name is too long: release "${part.name}" exceeds ${MAX_RELEASE_NAME} characters`,
      );
    }
    if (
      part.type === 'object' &&
      !declared.has(`${part.manifest.apiVersion}/${part.manifest.kind}`)
    ) {
      throw new Error(
        `Blueprint "${blueprint.id}": object kind ${part.manifest.apiVersion}/${part.manifest.kind} is not in its objectKinds`,
      );
    }
  }
  const releaseNames = parts.flatMap(p =>
    p.type === 'release' ? [p.name] : [],
  );
  if (new Set(releaseNames).size !== releaseNames.length) {
    throw new Error(`Blueprint "${blueprint.id}": release names repeat`);
  }
  return parts;
}

/**
 * The object kinds of a blueprint that can stand for an instance: those marked `main`,
 * or every kind when none is marked.
 *
 * @public
 */
export function mainObjectKinds(
  blueprint: Pick<AnyToolBlueprint, 'objectKinds'>,
): Array<{ apiVersion: string; kind: string }> {
  // `main: true` names the kind of the main object; `main: false` a kind that never
  // stands for an instance (a volume claim kept apart from a release).
  const kinds = (blueprint.objectKinds ?? []).filter(k => k.main !== false);
  const marked = kinds.filter(k => k.main);
  return (marked.length ? marked : kinds).map(k => ({
    apiVersion: k.apiVersion,
    kind: k.kind,
  }));
}

/**
 * The default Secret of an instance's secrets, `<instance>-secrets`.
 *
 * @public
 */
export const DEFAULT_SECRET = 'secrets';

/**
 * The blueprint's secrets grouped by the Secret they live in, by Secret name.
 *
 * @public
 */
export function secretsBySecretName(
  blueprint: AnyToolBlueprint,
  instance: string,
): Map<string, AnyToolBlueprint['secrets']> {
  const groups = new Map<string, AnyToolBlueprint['secrets']>();
  for (const secret of blueprint.secrets) {
    const name = `${instance}-${secret.secret ?? DEFAULT_SECRET}`;
    groups.set(name, [...(groups.get(name) ?? []), secret]);
  }
  return groups;
}

/**
 * The values of a Secret's derived keys, built from its other values in declaration
 * order. Runs in the provisioning action only: secret values never reach a context.
 *
 * @public
 */
export function deriveSecretValues(
  secrets: AnyToolBlueprint['secrets'],
  ctx: BlueprintContext,
  values: Readonly<Record<string, string>>,
  blueprintId = 'blueprint',
): Record<string, string> {
  const all: Record<string, string> = { ...values };
  for (const secret of secrets) {
    if (!('derive' in secret)) continue;
    const missing = secret.derive.from.filter(k => !(k in all));
    if (missing.length) {
      throw new Error(
        `Blueprint "${blueprintId}": secret "${
          secret.key
        }" derives from ${missing.join(
          ', ',
        )}, which no earlier key of its Secret defines`,
      );
    }
    all[secret.key] = secret.derive.build(
      Object.fromEntries(secret.derive.from.map(k => [k, all[k]])),
      ctx,
    );
  }
  return all;
}

/**
 * The charts of blueprints whose values are checked elsewhere (`valuesCheckedBy`: no
 * contract data can exist for them), one entry per repository, chart and version, as
 * the sandbox serves unchecked stand-ins of them. Found by building each blueprint's
 * parts for a probe instance with default parameters.
 *
 * @public
 */
export function chartsCheckedElsewhere(
  blueprints: readonly AnyToolBlueprint[],
): Array<{
  repository: string;
  name: string;
  version: string;
  checkedElsewhere: string;
}> {
  const out = new Map<
    string,
    {
      repository: string;
      name: string;
      version: string;
      checkedElsewhere: string;
    }
  >();
  for (const blueprint of blueprints) {
    if (!blueprint.valuesCheckedBy) continue;
    const params = probeParameters(blueprint);
    // A blueprint whose form must be filled and gives no examples cannot be probed;
    // it has no chart to stand in for in the sandbox then (a plain-object tool).
    if (!params) continue;
    const ctx = createBlueprintContext(
      {
        baseDomain: 'probe.invalid',
        ingressScheme: 'https',
        keycloak: {
          baseUrl: 'https://probe.invalid',
          realm: 'probe',
        } as MlToolsConfig['keycloak'],
      },
      {
        blueprint,
        instance: { cluster: 'probe', namespace: 'probe', name: 'probe' },
        owner: 'group:default/probe',
        params,
        roleMappings: {},
      },
    );
    for (const part of blueprint.parts(ctx)) {
      if (part.type !== 'release') continue;
      const { repository, chart, version } = part.chart;
      out.set(`${repository}/${chart}@${version}`, {
        repository,
        name: chart,
        version,
        checkedElsewhere: blueprint.valuesCheckedBy,
      });
    }
  }
  return [...out.values()];
}

/**
 * Parameters to probe a blueprint with: its defaults, or with the first example of each
 * parameter the form must fill (`.meta({ examples })`); undefined when neither passes.
 */
function probeParameters(blueprint: AnyToolBlueprint): JsonObject | undefined {
  const empty = blueprint.parameters.safeParse({});
  if (empty.success) return empty.data as JsonObject;
  let schema: {
    required?: string[];
    properties?: Record<string, { examples?: unknown[] }>;
  };
  try {
    schema = z.toJSONSchema(blueprint.parameters as z.ZodType, {
      io: 'input',
    }) as typeof schema;
  } catch {
    return undefined;
  }
  const examples = Object.fromEntries(
    (schema.required ?? []).flatMap(name => {
      const example = schema.properties?.[name]?.examples?.[0];
      return example === undefined ? [] : [[name, example]];
    }),
  );
  const filled = blueprint.parameters.safeParse(examples);
  return filled.success ? (filled.data as JsonObject) : undefined;
}
