/**
 * Entity cards and the ML tools page of the ML tools plugins, for apps on the legacy
 * frontend system; the new frontend system imports `@ml-platform/plugin-ml-tools/alpha`.
 *
 * @packageDocumentation
 */

export {
  mlToolsPlugin,
  MlToolsPage,
  EntityMlToolHealthCard,
  EntityMlToolAccessCard,
  EntityMlToolLinksCard,
  EntityKeycloakClientCard,
  EntityUserFederationCard,
  HomePageMlToolsSummaryCard,
  HomePageMlToolTemplatesCard,
  HomePageMyMlToolInstancesCard,
  MlToolsGroupPickerFieldExtension,
} from './plugin';
export { GROUP_PICKER_FIELD_NAME, GroupPicker } from './components/GroupPicker';
export type { GroupPickerValue } from './components/GroupPicker';
export { MlToolsReviewStep } from './components/ReviewState/MlToolsReviewStep';
export { selectedTemplateRouteRef } from './routes';
export { EntityMlToolInstanceOverview } from './components/MlToolInstanceLayout/EntityMlToolInstanceOverview';
export {
  isMlToolHealthAvailable,
  isMlToolAccessAvailable,
  isMlToolLinksAvailable,
  isKeycloakClientAvailable,
  isUserFederationAvailable,
} from './predicates';
export { mlToolsApiRef, MlToolsClient, classifyMlToolsError } from './api';
export type { MlToolsApi, MlToolsErrorKind } from './api';
export type { EntityMlToolHealthCardProps } from './components/EntityMlToolHealthCard';
export type { EntityMlToolAccessCardProps } from './components/EntityMlToolAccessCard';
export type { EntityMlToolLinksCardProps } from './components/EntityMlToolLinksCard';
export type { EntityKeycloakClientCardProps } from './components/EntityKeycloakClientCard';
export type { EntityUserFederationCardProps } from './components/EntityUserFederationCard';
