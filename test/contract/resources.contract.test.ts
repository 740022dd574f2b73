import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { JsonObject } from '@backstage/types';
import {
  blueprintParts,
  buildPartObjects,
  builtInBlueprints,
  featureCacheBlueprint,
  MAIN_COMPONENT,
  type AnyToolBlueprint,
  type K8sObject,
} from '@ml-platform/plugin-ml-tools-node';
import { checkCustomResource } from '@ml-platform/sandbox';
import yaml from 'yaml';
import { context, inputMatrix, type BlueprintInputs } from './charts/releases';
import { contractsDir } from './helpers';

/*
 * Every custom resource the suite writes (HelmRelease, HelmRepository, Application, and
 * the blueprints' own kinds) checked against the upstream CRD's openAPIV3Schema, as a
 * real API server does: types, required fields, enums, patterns, lengths, and fields the
 * schema does not declare (a real server prunes them: a setting that does nothing).
 */

interface Crd {
  group: string;
  kind: string;
  versions: Array<{ name: string; schema?: JsonObject }>;
}

function readCrds(): Map<string, { source: string; schema?: JsonObject }> {
  const dir = resolve(contractsDir, 'crds');
  const byKind = new Map<string, { source: string; schema?: JsonObject }>();
  for (const file of readdirSync(dir)) {
    for (const doc of yaml.parseAllDocuments(
      readFileSync(resolve(dir, file), 'utf8'),
    )) {
      const crd = doc.toJSON() as { spec?: any } | null;
      if (!crd?.spec) continue;
      const spec = crd.spec as {
        group: string;
        names: { kind: string };
        versions: Crd['versions'];
      };
      for (const v of spec.versions) {
        byKind.set(`${spec.group}/${v.name}/${spec.names.kind}`, {
          source: file,
          schema: (v.schema as any)?.openAPIV3Schema,
        });
      }
    }
  }
  return byKind;
}

const crds = readCrds();
const CORE_GROUPS =
  /^(v1|apps\/v1|rbac\.authorization\.k8s\.io\/v1|networking\.k8s\.io\/v1)$/;

/** The custom resources a deploy writes for a blueprint and one set of inputs. */
function customResources(
  blueprint: AnyToolBlueprint,
  inputs: BlueprintInputs,
): K8sObject[] {
  const ctx = context(blueprint, inputs);
  const parts = blueprintParts(blueprint, ctx);
  const config = {
    deploy: {
      driver: inputs.driver,
      chartRepositories: [
        ...new Set(
          parts.flatMap(p =>
            p.type === 'release' ? [p.chart.repository] : [],
          ),
        ),
      ].map(name => ({
        name,
        url: `https://charts.example.com/${name}`,
        type: 'default' as const,
      })),
      flux: { interval: '10m' },
      argocd: {
        namespace: 'argocd',
        project: 'default',
        destinationServer: 'https://kubernetes.default.svc',
      },
    },
  } as any;
  return buildPartObjects(
    config,
    {
      name: ctx.instance.name,
      namespace: ctx.instance.namespace,
      tool: blueprint.id,
      ownerName: ctx.ownerName,
    },
    ctx,
    parts,
    {
      'ml-platform.io/instance-ref': `prod/${ctx.instance.namespace}/${ctx.instance.name}`,
    },
  )
    .map(p => p.object)
    .filter(o => !CORE_GROUPS.test(o.apiVersion));
}

/** What the CRD refuses or would prune, in words; '' when it accepts the object. */
function problems(object: K8sObject): string {
  const key = `${object.apiVersion}/${object.kind}`;
  const crd = crds.get(key);
  if (!crd?.schema) {
    return `${key}: no CustomResourceDefinition with a schema in ${contractsDir}/crds`;
  }
  const copy = structuredClone(object) as unknown as JsonObject;
  const check = checkCustomResource(copy, crd.schema);
  return [
    ...check.causes.map(
      c => `${key} ${object.metadata.name}: ${c.field}: ${c.message}`,
    ),
    ...check.unknown.map(
      u =>
        `${key} ${object.metadata.name}: ${u} is not in the CRD (${crd.source}); a real API server drops it`,
    ),
  ].join('\n');
}

describe('custom resources against their upstream CRDs', () => {
  it('reads the Flux and Argo CD CRDs from the contracts', () => {
    expect([...crds.keys()]).toEqual(
      expect.arrayContaining([
        'helm.toolkit.fluxcd.io/v2/HelmRelease',
        'source.toolkit.fluxcd.io/v1/HelmRepository',
        'argoproj.io/v1alpha1/Application',
      ]),
    );
  });

  for (const blueprint of [...builtInBlueprints, featureCacheBlueprint]) {
    it(`accepts every object of blueprint ${blueprint.id}, over its input matrix and both drivers`, () => {
      const found: string[] = [];
      let checked = 0;
      for (const inputs of inputMatrix(blueprint)) {
        for (const object of customResources(blueprint, inputs)) {
          checked++;
          const p = problems(object);
          if (p) found.push(`[${inputs.label}] ${p}`);
        }
      }
      expect(checked).toBeGreaterThan(0);
      expect(found.join('\n')).toBe('');
    });
  }

  it('names the field a CRD refuses, and a field it would drop', () => {
    const [release] = customResources(featureCacheBlueprint, {
      label: 'wrong',
      instanceName: 'features',
      params: {},
      roleMappings: {},
      driver: 'flux',
    }).filter(o => o.kind === 'HelmRelease');
    const wrong = structuredClone(release);
    (wrong.spec as any).interval = 42;
    (wrong.spec as any).remediationPlan = 'always';
    const text = problems(wrong);
    expect(text).toMatch(/spec\.interval/);
    expect(text).toMatch(/remediationPlan is not in the CRD/);
    expect(problems(release)).toBe('');
    expect(release.metadata.labels?.['app.kubernetes.io/component']).toBe(
      MAIN_COMPONENT,
    );
  });

  it('fails, naming the file, for a kind without CRD data', () => {
    expect(
      problems({
        apiVersion: 'example.org/v1',
        kind: 'Widget',
        metadata: { name: 'w' },
      }),
    ).toMatch(/example\.org\/v1\/Widget: no CustomResourceDefinition/);
  });
});
