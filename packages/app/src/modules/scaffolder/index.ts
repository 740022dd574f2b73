export { scaffolderTitlesModule } from './scaffolderTitlesModule';
