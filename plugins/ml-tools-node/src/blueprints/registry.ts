import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { dnsLabelRegex } from '../lib/names';
import type { AnyToolBlueprint } from './types';

/**
 * Read access to the known blueprints.
 *
 * @public
 */
export interface BlueprintRegistry {
  /** The blueprint, or a NotFoundError naming the unknown id and the known ones. */
  get(id: string): AnyToolBlueprint;
  /** The blueprint, or undefined. */
  find(id: string): AnyToolBlueprint | undefined;
  list(): AnyToolBlueprint[];
}

/**
 * A registry that blueprints can be added to until it is sealed.
 *
 * @public
 */
export class DefaultBlueprintRegistry implements BlueprintRegistry {
  private readonly byId = new Map<string, AnyToolBlueprint>();
  private sealed = false;

  /** A registry holding the given blueprints. */
  static create(blueprints: AnyToolBlueprint[] = []): DefaultBlueprintRegistry {
    const registry = new DefaultBlueprintRegistry();
    registry.add(...blueprints);
    return registry;
  }

  /** Adds blueprints; a duplicate id or an id that is not a DNS-1123 label throws. */
  add(...blueprints: AnyToolBlueprint[]): void {
    if (this.sealed) {
      throw new Error('Blueprints can only be added during backend startup');
    }
    for (const blueprint of blueprints) {
      if (!dnsLabelRegex.test(blueprint.id)) {
        throw new InputError(
          `Blueprint id "${blueprint.id}" must be a DNS-1123 label`,
        );
      }
      if (this.byId.has(blueprint.id)) {
        throw new ConflictError(
          `A blueprint with id "${blueprint.id}" is already registered`,
        );
      }
      this.byId.set(blueprint.id, blueprint);
    }
  }

  /** Refuses further additions (called once the backend has started). */
  seal(): void {
    this.sealed = true;
  }

  get(id: string): AnyToolBlueprint {
    const found = this.byId.get(id);
    if (!found) {
      throw new NotFoundError(
        `Unknown blueprint "${id}"; known blueprints: ${[
          ...this.byId.keys(),
        ].join(', ')}`,
      );
    }
    return found;
  }

  find(id: string): AnyToolBlueprint | undefined {
    return this.byId.get(id);
  }

  list(): AnyToolBlueprint[] {
    return [...this.byId.values()];
  }
}
