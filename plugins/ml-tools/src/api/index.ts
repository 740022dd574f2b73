export { mlToolsApiRef } from './MlToolsApi';
export type { MlToolsApi } from './MlToolsApi';
export { MlToolsClient } from './MlToolsClient';
export { classifyMlToolsError } from './errors';
export type { MlToolsErrorKind } from './errors';
