import type { JsonValue } from '@backstage/types';

/** The part of the action context checkpoints need. */
export interface CheckpointCapable {
  isDryRun?: boolean;
  checkpoint<T extends JsonValue | void>(opts: {
    key: string;
    fn: () => Promise<T> | T;
  }): Promise<T>;
}

/**
 * Runs a side-effecting step under a checkpoint, so that a resumed task does not repeat
 * it; in a dry run there is nothing to remember and the step runs in report mode. The
 * value must never hold a secret: it is stored with the task.
 */
export async function checkpointed<T extends JsonValue | void>(
  ctx: CheckpointCapable,
  key: string,
  fn: () => Promise<T>,
): Promise<T> {
  if (ctx.isDryRun) return fn();
  return ctx.checkpoint({ key, fn });
}
