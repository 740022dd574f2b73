import { useRouteRef } from '@backstage/frontend-plugin-api';
import {
  mlToolsRootRouteRef,
  mlToolsSelectedTemplateRouteRef,
} from '../../alphaRoutes';
import { MlToolTemplatesContent } from './MlToolTemplatesContent';
import { MlToolsSummaryContent } from './MlToolsSummaryContent';

/** The summary widget's content with the new system's link to the ML tools page. */
export function AlphaMlToolsSummaryContent() {
  const pageRoute = useRouteRef(mlToolsRootRouteRef);
  return <MlToolsSummaryContent pageLink={pageRoute?.()} />;
}

/** The templates widget's content with the new system's link to a template's form. */
export function AlphaMlToolTemplatesContent() {
  const templateRoute = useRouteRef(mlToolsSelectedTemplateRouteRef);
  return (
    <MlToolTemplatesContent
      templateLink={
        templateRoute &&
        (t => templateRoute({ namespace: t.namespace, templateName: t.name }))
      }
    />
  );
}
