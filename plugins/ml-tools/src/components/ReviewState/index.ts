export { MlToolsReviewState } from './MlToolsReviewState';
export { MlToolsReviewStep } from './MlToolsReviewStep';
