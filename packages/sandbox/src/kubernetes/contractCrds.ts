import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { isObject } from './json';
import type { KubeObject } from './types';

/** The upstream CRDs of a contracts folder, and what could not be taken from it. */
export interface ContractCrds {
  /** CustomResourceDefinitions whose every version carries its upstream schema. */
  crds: KubeObject[];
  /**
   * One sentence per contract file that holds no usable CRD: its kind stays installed
   * with an open schema (every field kept, nothing validated), and the sandbox says so.
   */
  notes: string[];
}

function hasSchemas(crd: KubeObject): boolean {
  const spec = isObject(crd.spec) ? crd.spec : {};
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  return (
    versions.length > 0 &&
    versions.every(
      v =>
        isObject(v) && isObject(v.schema) && isObject(v.schema.openAPIV3Schema),
    )
  );
}

/**
 * Reads `<contractsDir>/crds/*.yaml` (upstream CRD manifests, a comment line naming
 * their source first). Files are named `<group>_<plural>.yaml`.
 */
export function readContractCrds(contractsDir: string): ContractCrds {
  const dir = join(contractsDir, 'crds');
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter(f => /\.ya?ml$/.test(f))
      .sort();
  } catch {
    return { crds: [], notes: [] };
  }
  const crds: KubeObject[] = [];
  const notes: string[] = [];
  for (const file of files) {
    const found = parseAllDocuments(readFileSync(join(dir, file), 'utf8'))
      .map(d => d.toJS() as unknown)
      .filter(
        (d): d is KubeObject =>
          isObject(d) && d.kind === 'CustomResourceDefinition',
      );
    const usable = found.filter(hasSchemas);
    if (usable.length === 0) {
      const [group, plural] = file.replace(/\.ya?ml$/, '').split('_');
      notes.push(
        `${file}: the contract holds no CustomResourceDefinition with a schema; ${plural}.${group} stays installed with an open schema (x-kubernetes-preserve-unknown-fields): its objects are stored as sent and not validated`,
      );
      continue;
    }
    crds.push(...usable);
  }
  return { crds, notes };
}
