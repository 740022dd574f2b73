import {
  coreExtensionData,
  createFrontendModule,
} from '@backstage/frontend-plugin-api';
import scaffolderPlugin from '@backstage/plugin-scaffolder/alpha';
import { TemplateTitleBreadcrumbs } from './TemplateTitleBreadcrumbs';

/**
 * The scaffolder's templates sub-page as the plugin makes it, with its template form's
 * breadcrumb showing the template's title instead of its name.
 */
const templatesSubPage = scaffolderPlugin
  .getExtension('sub-page:scaffolder/templates')
  .override({
    *factory(originalFactory) {
      for (const output of originalFactory()) {
        if (output.id === coreExtensionData.reactElement.id) {
          yield coreExtensionData.reactElement(
            <TemplateTitleBreadcrumbs>
              {output.value as JSX.Element}
            </TemplateTitleBreadcrumbs>,
          );
        } else {
          yield output;
        }
      }
    },
  });

/** App module: scaffolder adjustments of this portal. */
export const scaffolderTitlesModule = createFrontendModule({
  pluginId: 'scaffolder',
  extensions: [templatesSubPage],
});
