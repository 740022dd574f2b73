import { useRouteRef } from '@backstage/core-plugin-api';
import { rootRouteRef, selectedTemplateRouteRef } from '../../routes';
import { MlToolTemplatesContent } from './MlToolTemplatesContent';
import { MlToolsSummaryContent } from './MlToolsSummaryContent';

/** The ML tools page link, or none when the app does not mount the page. */
function useMlToolsPageLink(): string | undefined {
  // The legacy useRouteRef throws for a route the app does not mount; the card then
  // shows plain counts instead of failing.
  try {
    return useRouteRef(rootRouteRef)();
  } catch {
    return undefined;
  }
}

/** The summary card's content with the legacy system's link to the ML tools page. */
export function LegacyMlToolsSummaryContent() {
  return <MlToolsSummaryContent pageLink={useMlToolsPageLink()} />;
}

/** The templates card's content with the legacy system's link to a template's form. */
export function LegacyMlToolTemplatesContent() {
  const templateRoute = useRouteRef(selectedTemplateRouteRef);
  return (
    <MlToolTemplatesContent
      templateLink={
        templateRoute &&
        (t => templateRoute({ namespace: t.namespace, templateName: t.name }))
      }
    />
  );
}
