export { MlToolsPage, MlToolsPageContent } from './MlToolsPage';
