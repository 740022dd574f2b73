/*
 * The product's deploy-time preflight check, so that the contract suite and the preflight
 * judge values the same way. Imported from its module until the package exports it from its
 * index; then import it from '@ml-platform/plugin-ml-tools-node' and drop the exception.
 */
// eslint-disable-next-line @backstage/no-forbidden-package-imports
export {
  validateChartValues,
  formatValuesIssues,
} from '@ml-platform/plugin-ml-tools-node/src/charts/validateChartValues';
