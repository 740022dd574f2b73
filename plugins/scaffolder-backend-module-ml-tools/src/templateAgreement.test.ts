import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  builtInBlueprints,
  type AnyToolBlueprint,
} from '@ml-platform/plugin-ml-tools-node';
import yaml from 'yaml';
import { z } from 'zod';

/*
 * A template restates its blueprint's roles and parameters as form fields. These tests
 * fail when the two drift apart: a role the form offers that the blueprint does not
 * enforce, a parameter the blueprint refuses, an enum or a default that differs.
 */

const TEMPLATES = resolve(__dirname, '../../../templates');

interface FormField {
  type?: string;
  enum?: unknown[];
  default?: unknown;
}

/** A form page: its fields, and the fields its dependencies show for some answers. */
interface FormPage {
  properties?: Record<string, FormField>;
  dependencies?: Record<
    string,
    { oneOf?: Array<{ properties?: Record<string, FormField> }> }
  >;
}

interface TemplateDoc {
  metadata: { name: string };
  spec: {
    parameters: FormPage[];
    steps: Array<{ action: string; input?: Record<string, any> }>;
  };
}

/** The form field a step input value takes, when it is `${{ parameters.x }}`. */
function fieldOf(doc: TemplateDoc, value: unknown): [string, FormField] | [] {
  const match =
    typeof value === 'string' &&
    /^\$\{\{\s*parameters\.([A-Za-z0-9_]+)\s*\}\}$/.exec(value);
  if (!match) return [];
  for (const page of doc.spec.parameters) {
    const field =
      page.properties?.[match[1]] ??
      Object.values(page.dependencies ?? {})
        .flatMap(d => d.oneOf ?? [])
        .map(branch => branch.properties?.[match[1]])
        .find(f => f !== undefined);
    if (field) return [match[1], field];
  }
  return [match[1], {}];
}

/** JSON schema of one parameter of the blueprint (zod 4 renders it). */
function parameterSchemas(
  blueprint: AnyToolBlueprint,
): Record<string, { enum?: unknown[]; default?: unknown }> {
  const schema = z.toJSONSchema(blueprint.parameters as z.ZodType, {
    io: 'input',
  }) as {
    properties?: Record<string, { enum?: unknown[]; default?: unknown }>;
  };
  return schema.properties ?? {};
}

/** What the template's deploy step and form say that its blueprint does not. */
function templateDisagreements(
  doc: TemplateDoc,
  blueprint: AnyToolBlueprint,
): string[] {
  const problems: string[] = [];
  const step = doc.spec.steps.find(s => s.action === 'ml-tools:deploy');
  if (!step?.input) return [`template ${doc.metadata.name} has no deploy step`];
  const where = `template ${doc.metadata.name}`;

  const roles = (blueprint.keycloak?.roles ?? []).map(r => r.name).sort();
  const mapped = Object.keys(step.input.roleMappings ?? {}).sort();
  for (const role of mapped.filter(r => !roles.includes(r))) {
    problems.push(
      `${where} offers role "${role}", which blueprint ${blueprint.id} does not have`,
    );
  }
  for (const role of roles.filter(r => !mapped.includes(r))) {
    problems.push(
      `${where} has no field for role "${role}" of blueprint ${blueprint.id}`,
    );
  }
  for (const role of mapped) {
    const [name, field] = fieldOf(doc, step.input.roleMappings[role]);
    if (!name)
      problems.push(`${where}: role "${role}" is not taken from a form field`);
    else if (field?.type !== 'array') {
      problems.push(
        `${where}: field "${name}" of role "${role}" is not a list of groups`,
      );
    }
  }

  const schemas = parameterSchemas(blueprint);
  const given = step.input.parameters ?? {};
  for (const key of Object.keys(given)) {
    if (!(key in schemas)) {
      problems.push(
        `${where} passes parameter "${key}", which blueprint ${blueprint.id} does not take`,
      );
    }
  }
  for (const [key, schema] of Object.entries(schemas)) {
    if (!(key in given)) continue;
    const [name, field] = fieldOf(doc, given[key]);
    if (!name || !field) continue;
    // The parameter's own schema: other parameters may be required.
    const own = (
      blueprint.parameters as unknown as { shape?: Record<string, z.ZodType> }
    ).shape?.[key];
    for (const value of field.enum ?? []) {
      // Rules across fields (an NFS share needs its server) name the other fields.
      const parsed = own
        ? own.safeParse(value)
        : blueprint.parameters.safeParse({ [key]: value });
      const accepted =
        parsed.success ||
        (!own && !parsed.error.issues.some(i => i.path[0] === key));
      if (!accepted) {
        problems.push(
          `${where}: field "${name}" offers ${JSON.stringify(
            value,
          )}, which blueprint ${blueprint.id} refuses for "${key}"`,
        );
      }
    }
    if (schema.enum && field.enum) {
      const missing = schema.enum.filter(v => !field.enum!.includes(v));
      if (missing.length) {
        problems.push(
          `${where}: field "${name}" lacks ${missing
            .map(v => JSON.stringify(v))
            .join(', ')} of "${key}"`,
        );
      }
    }
    if (
      schema.default !== undefined &&
      JSON.stringify(field.default) !== JSON.stringify(schema.default)
    ) {
      problems.push(
        `${where}: field "${name}" defaults to ${JSON.stringify(
          field.default,
        )}, blueprint ${blueprint.id} to ${JSON.stringify(schema.default)}`,
      );
    }
  }
  return problems;
}

function deployTemplates(): Array<{ doc: TemplateDoc; blueprintId: string }> {
  return readdirSync(TEMPLATES).flatMap(dir => {
    const doc = yaml.parse(
      readFileSync(resolve(TEMPLATES, dir, 'template.yaml'), 'utf8'),
    ) as TemplateDoc;
    const step = doc.spec.steps.find(s => s.action === 'ml-tools:deploy');
    return step ? [{ doc, blueprintId: String(step.input?.blueprint) }] : [];
  });
}

describe('templates and their blueprints', () => {
  const templates = deployTemplates();

  it('finds a template for every built-in blueprint', () => {
    expect(templates.map(t => t.blueprintId).sort()).toEqual(
      builtInBlueprints.map(b => b.id).sort(),
    );
  });

  it.each(templates.map(t => [t.doc.metadata.name, t] as const))(
    'template %s agrees with its blueprint',
    (_name, { doc, blueprintId }) => {
      const blueprint = builtInBlueprints.find(b => b.id === blueprintId);
      expect(blueprint?.id).toBe(blueprintId);
      expect(templateDisagreements(doc, blueprint!)).toEqual([]);
    },
  );

  it('names each way a template can drift from its blueprint', () => {
    // A template with roles and a parameter the blueprint checks (a choice among
    // values), so that every kind of drift can be made.
    const hasRoles = (t: { doc: TemplateDoc }) =>
      Object.keys(
        t.doc.spec.steps.find(s => s.action === 'ml-tools:deploy')?.input
          ?.roleMappings ?? {},
      ).length > 0;
    const enumKeyOf = (t: { doc: TemplateDoc; blueprintId: string }) => {
      const bp = builtInBlueprints.find(b => b.id === t.blueprintId)!;
      const given =
        t.doc.spec.steps.find(s => s.action === 'ml-tools:deploy')!.input!
          .parameters ?? {};
      return Object.keys(parameterSchemas(bp)).find(
        k => k in given && fieldOf(t.doc, given[k])[1]?.enum,
      );
    };
    const picked = templates.find(t => hasRoles(t) && enumKeyOf(t))!;
    const { doc, blueprintId } = picked;
    const blueprint = builtInBlueprints.find(b => b.id === blueprintId)!;
    const drifted = structuredClone(doc);
    const step = drifted.spec.steps.find(s => s.action === 'ml-tools:deploy')!;
    const [firstRole] = Object.keys(step.input!.roleMappings);
    delete step.input!.roleMappings[firstRole];
    step.input!.roleMappings.SUPERUSER = '${{ parameters.superuser }}';
    step.input!.parameters.colour = '${{ parameters.colour }}';
    const paramKey = enumKeyOf(picked)!;
    const [fieldName] = fieldOf(drifted, step.input!.parameters[paramKey]);
    for (const page of drifted.spec.parameters) {
      const field = page.properties?.[fieldName!];
      if (field) {
        field.enum = [...(field.enum ?? []), 'not-a-value'];
        field.default = 'not-a-value';
      }
    }
    const problems = templateDisagreements(drifted, blueprint).join('\n');
    expect(problems).toContain(`offers role "SUPERUSER"`);
    expect(problems).toContain(`has no field for role "${firstRole}"`);
    expect(problems).toContain(`passes parameter "colour"`);
    expect(problems).toContain(`offers "not-a-value"`);
    expect(problems).toContain(`defaults to "not-a-value"`);
  });
});
