import { ReleaseNotReadyError } from '../lib/errors';
import { sleep } from '../lib/abort';
import { describeRef } from './ensure';
import type {
  GatewayReadOptions,
  K8sObject,
  K8sObjectRef,
  K8sWaitOptions,
} from './types';

/**
 * Polls the object until the check says ready or failed, or the timeout passes. A
 * cancelled wait also cancels the read in flight and the pause between polls.
 *
 * @internal
 */
export async function waitForObject(
  get: (
    ref: K8sObjectRef,
    options: GatewayReadOptions,
  ) => Promise<K8sObject | undefined>,
  cluster: string,
  ref: K8sObjectRef,
  options: K8sWaitOptions,
): Promise<K8sObject> {
  const { signal } = options;
  const cancelled = () =>
    new ReleaseNotReadyError(`Waiting for ${describeRef(ref)} was cancelled`);
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  let lastLine = '';
  let lastLogAt = 0;
  for (;;) {
    if (signal?.aborted) throw cancelled();
    let obj: K8sObject | undefined;
    try {
      obj = await get(ref, { signal });
    } catch (error) {
      if (signal?.aborted) throw cancelled();
      throw error;
    }
    const state = options.check(obj);
    const elapsed = Math.round((Date.now() - started) / 1000);
    if (state.state === 'ready') {
      options.onProgress?.(
        `${describeRef(ref)} is ready${
          state.message ? `: ${state.message}` : ''
        } (${elapsed}s)`,
      );
      return obj!;
    }
    if (state.state === 'failed') {
      throw new ReleaseNotReadyError(
        `${describeRef(ref)} on cluster "${cluster}" failed: ${state.message}`,
      );
    }
    const line = `Waiting for ${describeRef(ref)}: ${state.message}`;
    if (line !== lastLine || Date.now() - lastLogAt >= 10_000) {
      options.onProgress?.(`${line} (${elapsed}s)`);
      lastLine = line;
      lastLogAt = Date.now();
    }
    if (Date.now() + options.pollIntervalMs > deadline) {
      throw new ReleaseNotReadyError(
        `${describeRef(
          ref,
        )} on cluster "${cluster}" was not ready after ${Math.round(
          options.timeoutMs / 1000,
        )}s: ${state.message}`,
      );
    }
    try {
      await sleep(options.pollIntervalMs, signal);
    } catch {
      throw cancelled();
    }
  }
}
