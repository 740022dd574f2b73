import {
  coreExtensionData,
  createFrontendModule,
} from '@backstage/frontend-plugin-api';
import scaffolderPlugin from '@backstage/plugin-scaffolder/alpha';
import { TemplateTitleBreadcrumbs } from './TemplateTitleBreadcrumbs';
import { TemplatesWithGroupTitles } from './TemplateWizardWithGroupTitles';

/**
 * The scaffolder's templates sub-page as the plugin makes it, with its template form's
 * breadcrumb showing the template's title instead of its name, and its review step
 * showing groups by their title (path) instead of their ref.
 */
const templatesSubPage = scaffolderPlugin
  .getExtension('sub-page:scaffolder/templates')
  .override({
    *factory(originalFactory, { config }) {
      // As the plugin sets it for its own wizard.
      const formProps = {
        EXPERIMENTAL_theme: config.enableBackstageUi ? 'bui' : 'mui',
      } as const;
      for (const output of originalFactory()) {
        if (output.id === coreExtensionData.reactElement.id) {
          yield coreExtensionData.reactElement(
            <TemplateTitleBreadcrumbs>
              <TemplatesWithGroupTitles formProps={formProps}>
                {output.value as JSX.Element}
              </TemplatesWithGroupTitles>
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
