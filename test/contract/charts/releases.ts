/*
 * The Helm releases a blueprint deploys for a set of form inputs, and the matrix of inputs
 * the chart checks run over (the contract suite and `npm run check:charts`). Only
 * `releasesOf` knows the blueprint API; the rest works on the plain release list.
 */
import type { JsonObject, JsonValue } from '@backstage/types';
import { z } from 'zod';
import { MAX_INSTANCE_NAME } from '@ml-platform/plugin-ml-tools-common';
import {
  blueprintParts,
  createBlueprintContext,
  type AnyToolBlueprint,
  type BlueprintContext,
  type BlueprintWorkload,
} from '@ml-platform/plugin-ml-tools-node';

/** How releases reach the cluster: Flux HelmRelease or Argo CD Application. */
export type DeployDriver = 'flux' | 'argocd';

/** One Helm release as the chart checks see it. */
export interface CheckedRelease {
  name: string;
  component: string;
  chart: { repository: string; chart: string; version: string };
  /** The values Helm gets: the blueprint's values plus what the driver injects. */
  values: JsonObject;
  /** Value paths filled from a Secret at install time (Flux `valuesFrom`). */
  fromSecret: string[];
  /** What the driver cannot deliver, in words (empty when all is well). */
  undeliverable: string[];
}

/** One set of form inputs. */
export interface BlueprintInputs {
  /** Short name of the case, printed in messages. */
  label: string;
  instanceName: string;
  params: JsonObject;
  roleMappings: Record<string, string[]>;
  driver: DeployDriver;
}

const config = {
  baseDomain: 'ml.example.com',
  ingressScheme: 'https' as const,
  keycloak: {
    baseUrl: 'https://sso.example.com',
    realm: 'ml-platform',
    authRealm: 'master',
    clientId: 'backstage',
    clientSecret: 'not-used',
    consoleBaseUrl: 'https://sso.example.com',
    requestTimeoutMs: 1000,
  },
};

const OWNER = 'group:default/data-science';
const NAMESPACE = 'ml-team';

/** Stands in for a value that Flux reads from a Secret when it installs the release. */
export const FROM_SECRET_PLACEHOLDER = 'value-from-secret';

/** The context the blueprint's functions get for one set of inputs. */
export function context(
  blueprint: AnyToolBlueprint,
  inputs: BlueprintInputs,
): BlueprintContext {
  return createBlueprintContext(config, {
    blueprint,
    instance: {
      cluster: 'prod',
      namespace: NAMESPACE,
      name: inputs.instanceName,
    },
    owner: OWNER,
    params: blueprint.parameters.parse({
      ...requiredParams(blueprint),
      ...inputs.params,
    }),
    roleMappings: inputs.roleMappings,
  });
}

function setPath(values: JsonObject, dotted: string, value: JsonValue): void {
  const keys = dotted.split('.');
  let node = values;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (!next || typeof next !== 'object' || Array.isArray(next)) {
      node[key] = {};
    }
    node = node[key] as JsonObject;
  }
  node[keys[keys.length - 1]] = value;
}

/**
 * The releases of a blueprint for one set of inputs (its plain objects are not releases
 * and are left out), with the values as the chosen driver hands them to Helm.
 */
export function releasesOf(
  blueprint: AnyToolBlueprint,
  inputs: BlueprintInputs,
): CheckedRelease[] {
  const ctx = context(blueprint, inputs);
  return blueprintParts(blueprint, ctx).flatMap(part => {
    if (part.type !== 'release') return [];
    const values = structuredClone(part.values);
    const fromSecret = (part.valuesFrom ?? []).map(v => v.targetPath);
    const undeliverable: string[] = [];
    for (const from of part.valuesFrom ?? []) {
      if (inputs.driver === 'flux') {
        setPath(values, from.targetPath, FROM_SECRET_PLACEHOLDER);
      } else {
        undeliverable.push(
          `${from.targetPath} comes from Secret ${from.secret} key ${from.key}, which an Argo CD Application cannot read`,
        );
      }
    }
    return [
      {
        name: part.name,
        component: part.component,
        chart: part.chart,
        values,
        fromSecret,
        undeliverable,
      },
    ];
  });
}

/** The workloads the blueprint's health waits for, for one set of inputs. */
export function healthWorkloadsOf(
  blueprint: AnyToolBlueprint,
  inputs: BlueprintInputs,
): BlueprintWorkload[] {
  return blueprint.health.workloads?.(context(blueprint, inputs)) ?? [];
}

/** A parameter of the blueprint's (zod) object schema, reduced to what the matrix needs. */
interface ParamInfo {
  name: string;
  type: string;
  defaultValue?: unknown;
  enumValues?: string[];
}

function paramsOf(blueprint: AnyToolBlueprint): ParamInfo[] {
  const shape = (blueprint.parameters as any).shape as
    | Record<string, any>
    | undefined;
  if (!shape) return [];
  return Object.entries(shape).map(([name, schema]) => {
    let inner = schema;
    let defaultValue: unknown;
    while (
      ['default', 'optional', 'nullable', 'prefault'].includes(
        inner?._zod?.def?.type,
      )
    ) {
      if (inner._zod.def.type === 'default') {
        defaultValue = inner._zod.def.defaultValue;
      }
      inner = inner._zod.def.innerType;
    }
    const type: string = inner?._zod?.def?.type ?? 'unknown';
    return {
      name,
      type,
      defaultValue,
      enumValues:
        type === 'enum' ? Object.values(inner._zod.def.entries) : undefined,
    };
  });
}

const SIZE = /^[1-9][0-9]*(Mi|Gi|Ti)$/;

/** The parameters' JSON schema, as the forms and the action's docs see it. */
function jsonSchemaOf(blueprint: AnyToolBlueprint): {
  properties?: Record<string, { examples?: JsonValue[] }>;
  required?: string[];
} {
  try {
    return z.toJSONSchema(blueprint.parameters as z.ZodType, {
      io: 'input',
    }) as any;
  } catch {
    return {};
  }
}

/**
 * Parameters the form must fill (no default), from the first example their schema
 * gives (`.meta({ examples })`): every case starts from them.
 */
export function requiredParams(blueprint: AnyToolBlueprint): JsonObject {
  const schema = jsonSchemaOf(blueprint);
  const out: JsonObject = {};
  for (const name of schema.required ?? []) {
    const example = schema.properties?.[name]?.examples?.[0];
    if (example !== undefined) out[name] = example;
  }
  return out;
}

/** Every parameter that has an example, set to it (lists with their sample items). */
function exampleParams(blueprint: AnyToolBlueprint): JsonObject {
  const out: JsonObject = {};
  for (const [name, prop] of Object.entries(
    jsonSchemaOf(blueprint).properties ?? {},
  )) {
    if (prop.examples?.length) out[name] = prop.examples[0];
  }
  return out;
}

/** Parameter sets: defaults, every option on, each choice of each enum, smallest, largest. */
export function parameterCases(
  blueprint: AnyToolBlueprint,
): Array<{ label: string; params: JsonObject }> {
  const params = paramsOf(blueprint);
  const booleans = params.filter(p => p.type === 'boolean');
  const sizes = params.filter(
    p =>
      p.type === 'string' &&
      typeof p.defaultValue === 'string' &&
      SIZE.test(p.defaultValue),
  );
  const cases: Array<{ label: string; params: JsonObject }> = [
    { label: 'defaults', params: {} },
  ];
  if (booleans.length) {
    cases.push({
      label: 'every option on',
      params: Object.fromEntries(booleans.map(p => [p.name, true])),
    });
    cases.push({
      label: 'every option off',
      params: Object.fromEntries(booleans.map(p => [p.name, false])),
    });
  }
  for (const p of params.filter(q => q.enumValues)) {
    for (const value of p.enumValues!) {
      if (value === p.defaultValue) continue;
      cases.push({ label: `${p.name}=${value}`, params: { [p.name]: value } });
    }
  }
  if (sizes.length) {
    cases.push({
      label: 'smallest',
      params: Object.fromEntries(sizes.map(p => [p.name, '1Gi'])),
    });
    cases.push({
      label: 'largest',
      params: {
        ...Object.fromEntries(booleans.map(p => [p.name, true])),
        ...Object.fromEntries(sizes.map(p => [p.name, '10Ti'])),
      },
    });
  }
  for (const extra of blueprint.checkCases ?? []) {
    cases.push({ label: extra.label, params: extra.params as JsonObject });
  }
  const examples = exampleParams(blueprint);
  const required = requiredParams(blueprint);
  if (Object.keys(examples).length > Object.keys(required).length) {
    cases.push({ label: 'examples', params: examples });
  }
  // A choice that needs other fields (an NFS share needs its server and path) is completed
  // with the `examples` the schema gives those fields; a case the blueprint's own schema
  // still refuses cannot come from the form.
  const fillers = parameterExamples(blueprint);
  return cases
    .map(c => ({ ...c, params: { ...required, ...c.params } }))
    .flatMap(c => {
      const parsed = blueprint.parameters.safeParse(c.params);
      if (parsed.success) return [c];
      const fill = Object.fromEntries(
        parsed.error.issues.flatMap(i => {
          const key = String(i.path[0] ?? '');
          return key in fillers && !(key in c.params)
            ? [[key, fillers[key]]]
            : [];
        }),
      );
      const completed = { ...c.params, ...fill } as JsonObject;
      return Object.keys(fill).length &&
        blueprint.parameters.safeParse(completed).success
        ? [{ label: c.label, params: completed }]
        : [];
    });
}

/** The first of the `examples` the parameters' JSON schema gives, by parameter. */
function parameterExamples(
  blueprint: AnyToolBlueprint,
): Record<string, JsonValue> {
  let schema: { properties?: Record<string, { examples?: JsonValue[] }> };
  try {
    schema = z.toJSONSchema(blueprint.parameters as z.ZodType, {
      io: 'input',
    }) as typeof schema;
  } catch {
    return {};
  }
  return Object.fromEntries(
    Object.entries(schema.properties ?? {}).flatMap(([k, v]) =>
      v.examples?.length ? [[k, v.examples[0]]] : [],
    ),
  );
}

/** Role mappings: the owner only, one group per role, several (nested, same leaf), none. */
export function roleMappingCases(
  blueprint: AnyToolBlueprint,
): Array<{ label: string; roleMappings: Record<string, string[]> }> {
  const roles = blueprint.keycloak?.roles ?? [];
  const ownerPath = `/${OWNER.split('/').pop()}`;
  const cases = [
    {
      label: 'owner only',
      roleMappings: Object.fromEntries(
        roles.map(r => [
          r.name,
          r.defaultGroups?.includes('owner') ? [ownerPath] : [],
        ]),
      ),
    },
  ];
  if (roles.length === 0) return cases;
  cases.push({
    label: 'one group per role',
    roleMappings: Object.fromEntries(
      roles.map((r, i) => [r.name, [`/team-a/group-${i}`]]),
    ),
  });
  cases.push({
    label: 'several groups per role',
    roleMappings: Object.fromEntries(
      roles.map((r, i) => [
        r.name,
        [
          ownerPath,
          `/team-a/vision-${i}`,
          `/team-b/vision-${i}`,
          `/org/unit/sub-${i}`,
        ],
      ]),
    ),
  });
  cases.push({
    label: 'no groups',
    roleMappings: Object.fromEntries(roles.map(r => [r.name, []])),
  });
  return cases;
}

/**
 * The longest instance name the deploy action accepts (MAX_INSTANCE_NAME) and the
 * blueprint's releases take.
 */
export function longestInstanceName(blueprint: AnyToolBlueprint): string {
  const base = 'tracking-for-the-vision-and-language-research-team-of-the-lab';
  for (let length = MAX_INSTANCE_NAME; length > 3; length--) {
    const name = `${base}xxxxxxxxxxxxxxxxx`.slice(0, length).replace(/-+$/, '');
    try {
      releasesOf(blueprint, {
        label: 'probe',
        instanceName: name,
        params: requiredParams(blueprint),
        roleMappings: {},
        driver: 'flux',
      });
      return name;
    } catch {
      // too long for some release of the blueprint; try a shorter one
    }
  }
  throw new Error(
    `Blueprint "${blueprint.id}" accepts no instance name at all`,
  );
}

/** A short, typical instance name. */
export const DEFAULT_INSTANCE_NAME = 'tracking';

/**
 * The full matrix: every parameter case and every role mapping case, on both drivers,
 * plus the longest accepted instance name with default inputs.
 */
export function inputMatrix(blueprint: AnyToolBlueprint): BlueprintInputs[] {
  const out: BlueprintInputs[] = [];
  const roleCases = roleMappingCases(blueprint);
  for (const driver of ['flux', 'argocd'] as const) {
    for (const p of parameterCases(blueprint)) {
      for (const r of roleCases) {
        out.push({
          label: `${p.label}, ${r.label}, ${driver}`,
          instanceName: DEFAULT_INSTANCE_NAME,
          params: p.params,
          roleMappings: r.roleMappings,
          driver,
        });
      }
    }
    out.push({
      label: `longest name, ${roleCases[0].label}, ${driver}`,
      instanceName: longestInstanceName(blueprint),
      params: requiredParams(blueprint),
      roleMappings: roleCases[0].roleMappings,
      driver,
    });
  }
  return out;
}

/**
 * A small matrix for rendering with the real Helm (slow): defaults, each other parameter
 * case with several role mappings, and the longest name. The driver does not change what
 * Helm renders beyond the values, so Flux only.
 */
export function renderMatrix(blueprint: AnyToolBlueprint): BlueprintInputs[] {
  const roleCases = roleMappingCases(blueprint);
  const several = roleCases[roleCases.length > 2 ? 2 : 0];
  return [
    ...parameterCases(blueprint).map((p, i) => ({
      label: `${p.label}, ${i === 0 ? roleCases[0].label : several.label}`,
      instanceName: DEFAULT_INSTANCE_NAME,
      params: p.params,
      roleMappings: i === 0 ? roleCases[0].roleMappings : several.roleMappings,
      driver: 'flux' as const,
    })),
    {
      label: 'longest name',
      instanceName: longestInstanceName(blueprint),
      params: requiredParams(blueprint),
      roleMappings: roleCases[0].roleMappings,
      driver: 'flux' as const,
    },
  ];
}
