import { useApi } from '@backstage/core-plugin-api';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { mlToolsApiRef, type MlToolsApi } from '../api';

/** The state of one call to the ML tools backend, with a way to try again. */
export interface MlToolsCallState<T> {
  loading: boolean;
  value?: T;
  error?: Error;
  retry: () => void;
}

/**
 * Runs `call` against the {@link MlToolsApi} and again whenever `key` changes, so a
 * card follows the entity it shows without the caller memoising its closure.
 */
export function useMlToolsCall<T>(
  call: (api: MlToolsApi) => Promise<T>,
  key: string,
): MlToolsCallState<T> {
  const api = useApi(mlToolsApiRef);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const state = useAsyncRetry(() => call(api), [api, key]);
  return {
    loading: state.loading,
    value: state.value,
    error: state.error,
    retry: state.retry,
  };
}
