import type { LoggerService } from '@backstage/backend-plugin-api';
import type { JsonObject } from '@backstage/types';

/** What happens (or would happen, in a dry run) to one upstream object. */
export type ChangeAction =
  | 'create'
  | 'update'
  | 'unchanged'
  | 'delete'
  | 'absent'
  | 'keep'
  | 'foreign';

/** One line of the change report. Never holds a secret value, only names. */
export interface Change extends JsonObject {
  target: 'kubernetes' | 'keycloak';
  kind: string;
  name: string;
  action: ChangeAction;
  detail?: string;
}

const DONE_WORDS: Record<ChangeAction, string> = {
  create: 'created',
  update: 'updated',
  unchanged: 'unchanged',
  delete: 'deleted',
  absent: 'already absent',
  keep: 'kept',
  foreign: 'exists and is not ours, left untouched',
};

const DRY_RUN_WORDS: Record<ChangeAction, string> = {
  create: 'would create',
  update: 'would update',
  unchanged: 'unchanged',
  delete: 'would delete',
  absent: 'already absent',
  keep: 'would keep',
  foreign: 'exists and is not ours, would be left untouched',
};

/** Collects changes and logs each one as it is decided. */
export class ChangeLog {
  readonly changes: Change[] = [];

  constructor(
    private readonly logger: Pick<LoggerService, 'info'>,
    private readonly dryRun: boolean,
  ) {}

  add(change: Change): void {
    this.changes.push(change);
    const words = this.dryRun ? DRY_RUN_WORDS : DONE_WORDS;
    this.logger.info(
      `${change.target === 'kubernetes' ? 'Kubernetes' : 'Keycloak'} ${
        change.kind
      } ${change.name}: ${words[change.action]}${
        change.detail ? ` (${change.detail})` : ''
      }`,
    );
  }

  /** Number of changes that write upstream. */
  get writes(): number {
    return this.changes.filter(c =>
      ['create', 'update', 'delete'].includes(c.action),
    ).length;
  }

  /** A one-line summary such as `3 created, 1 updated, 9 unchanged`. */
  summary(): string {
    const count = (a: ChangeAction) =>
      this.changes.filter(c => c.action === a).length;
    const words = this.dryRun ? DRY_RUN_WORDS : DONE_WORDS;
    const parts = (['create', 'update', 'delete', 'keep'] as const)
      .filter(a => count(a) > 0)
      .map(a => `${count(a)} ${words[a].replace(/^would /, 'to ')}`);
    parts.push(`${count('unchanged')} unchanged`);
    return parts.join(', ');
  }
}
