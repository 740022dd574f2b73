import type { LoggerService } from '@backstage/backend-plugin-api';
import { isError } from '@backstage/errors';
import { ML_PLATFORM_ANNOTATIONS } from '@ml-platform/plugin-ml-tools-common';
import {
  ensureK8sObject,
  MAIN_COMPONENT,
  refOf,
  type PartObject,
} from '@ml-platform/plugin-ml-tools-node';
import type { InstanceIdentity, StepEnv } from './context';
import type { ChangeLog } from './plan';

// ECMA-48 control sequences (colours, cursor moves) and OSC strings (hyperlinks).
const ANSI =
  // eslint-disable-next-line no-control-regex
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)/g;

/** The text without terminal colour codes and other escape sequences. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/**
 * The error a task reports: same class (so the HTTP status of a dry run stays the
 * same), message without escape sequences, and a stack that is only `name: message`.
 * The scaffolder writes `error.stack` into the task log, and a stack names server
 * files.
 */
export function forTaskLog(error: unknown): Error {
  const err = isError(error)
    ? (error as Error)
    : new Error(stripAnsi(String(error)));
  const message = stripAnsi(err.message);
  try {
    err.message = message;
    err.stack = `${err.name}: ${message}`;
    // Backstage errors keep their cause, whose stack the log would show as well.
    if ('cause' in err) (err as { cause?: unknown }).cause = undefined;
    return err;
  } catch {
    // A frozen error: a plain copy of its words still tells the user what happened.
    const copy = new Error(message);
    copy.name = err.name;
    copy.stack = `${err.name}: ${message}`;
    return copy;
  }
}

const WHAT_HAPPENED: Partial<Record<string, string>> = {
  create: 'created by this run',
  update: 'updated by this run',
};

/** What exists now, as log lines from the change log: every write that landed. */
export function whatExists(changes: ChangeLog): string[] {
  return changes.changes
    .filter(c => ['create', 'update', 'unchanged', 'keep'].includes(c.action))
    .map(
      c =>
        `${c.target === 'kubernetes' ? 'Kubernetes' : 'Keycloak'} ${c.kind} ${
          c.name
        } (${WHAT_HAPPENED[c.action] ?? 'already there'})`,
    );
}

/**
 * Tells, after a run stopped past its first write, exactly what exists now and how to
 * finish or undo it; marks the instance's main part as incomplete when it exists, so
 * that the catalog shows the instance as such (its lifecycle reads `incomplete`). A
 * later deploy that completes writes the main part without the mark.
 */
export async function reportIncomplete(
  env: StepEnv,
  id: InstanceIdentity,
  error: Error,
  logger: Pick<LoggerService, 'error' | 'info' | 'warn'>,
  mainObjects?: PartObject[],
): Promise<void> {
  const wrote = env.changes.changes.some(c =>
    ['create', 'update', 'delete'].includes(c.action),
  );
  if (env.dryRun || !wrote) return;
  logger.error(
    `Deploy of ${id.ref} stopped after its first write: ${error.message}`,
  );
  logger.error(
    `What exists now:\n${whatExists(env.changes)
      .map(line => `  - ${line}`)
      .join('\n')}`,
  );
  logger.error(
    'Run the template again with the same values to complete the instance, or decommission it to remove all of the above.',
  );
  const main = mainObjects?.find(
    o =>
      o.object.metadata.labels?.['app.kubernetes.io/component'] ===
      MAIN_COMPONENT,
  )?.object;
  if (!main) return;
  try {
    const live = await env.k8s.get(id.cluster, refOf(main));
    if (!live) return;
    await ensureK8sObject(
      env.k8s,
      id.cluster,
      {
        ...main,
        metadata: {
          ...main.metadata,
          annotations: {
            ...main.metadata.annotations,
            [ML_PLATFORM_ANNOTATIONS.lifecycle]: 'incomplete',
            [ML_PLATFORM_ANNOTATIONS.incomplete]: stripAnsi(
              error.message,
            ).slice(0, 1000),
          },
        },
      },
      { instance: id.name },
    );
    logger.info(
      `Marked ${id.ref} as incomplete; the catalog shows it so until a deploy completes`,
    );
  } catch (markError) {
    logger.warn(
      `Could not mark ${id.ref} as incomplete: ${stripAnsi(
        isError(markError) ? markError.message : String(markError),
      )}`,
    );
  }
}
