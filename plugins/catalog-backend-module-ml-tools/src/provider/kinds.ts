import {
  mainObjectKinds,
  RELEASE_KINDS,
  type BlueprintRegistry,
} from '@ml-platform/plugin-ml-tools-node';
import type { MlToolsInstanceKind } from './types';

/**
 * The kinds a cycle lists: the release kinds of both deploy drivers (an instance made
 * with either is found), then the kinds of every registered blueprint's plain objects
 * (the list selects `component=main`, so only objects that stand for an instance come
 * back). Read from the registry at each cycle: modules add blueprints while the backend
 * starts, after the provider was built.
 */
export function instanceKinds(
  registry: BlueprintRegistry,
  only?: readonly string[],
): { kinds: MlToolsInstanceKind[]; unknown: string[] } {
  const all = new Map<string, MlToolsInstanceKind>();
  const add = (k: MlToolsInstanceKind) =>
    all.set(`${k.apiVersion}/${k.kind}`, {
      apiVersion: k.apiVersion,
      kind: k.kind,
    });
  RELEASE_KINDS.forEach(add);
  for (const blueprint of registry.list()) {
    mainObjectKinds(blueprint).forEach(add);
  }
  const kinds = [...all.values()];
  if (!only) return { kinds, unknown: [] };
  return {
    kinds: kinds.filter(k => only.includes(k.kind)),
    unknown: only.filter(name => !kinds.some(k => k.kind === name)),
  };
}
