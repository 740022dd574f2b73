export { MlToolsSummaryContent } from './MlToolsSummaryContent';
export type { MlToolsSummaryContentProps } from './MlToolsSummaryContent';
export { MlToolTemplatesContent } from './MlToolTemplatesContent';
export type { MlToolTemplatesContentProps } from './MlToolTemplatesContent';
export { MyMlToolInstancesContent } from './MyMlToolInstancesContent';
export { countByToolAndHealth } from './counts';
export type { HealthCounts } from './counts';
