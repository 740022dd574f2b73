import { ReactElement, useCallback, useEffect, useState } from 'react';
import { Navigate, useNavigate, useParams } from 'react-router-dom';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { Progress } from '@backstage/core-components';
import {
  AnalyticsContext,
  errorApiRef,
  useApi,
  useRouteRef,
} from '@backstage/core-plugin-api';
import { BreadcrumbEntry } from '@backstage/frontend-plugin-api';
import scaffolderPlugin from '@backstage/plugin-scaffolder/alpha';
import {
  SecretsContextProvider,
  scaffolderApiRef,
  useTemplateSecrets,
  type FieldExtensionOptions,
  type FormProps,
} from '@backstage/plugin-scaffolder-react';
import {
  Workflow,
  formFieldsApiRef,
  useTemplateParameterSchema,
} from '@backstage/plugin-scaffolder-react/alpha';
import type { JsonValue } from '@backstage/types';
import { MlToolsReviewState } from '@ml-platform/plugin-ml-tools/alpha';
import { fieldExtensionsOf } from './formFieldExtensions';

/** `<namespace>/<name>` of a template form, relative to the templates sub-page. */
const WIZARD_PATH = /^([^/]+)\/([^/]+)\/?$/;

const REVIEW_COMPONENTS = { ReviewStateComponent: MlToolsReviewState };

/**
 * The installed form fields as `Workflow` takes them: `undefined` while they load, `null`
 * when one cannot be read (the caller then keeps the scaffolder's own wizard).
 */
function useFieldExtensions(): FieldExtensionOptions[] | null | undefined {
  const formFieldsApi = useApi(formFieldsApiRef);
  const [extensions, setExtensions] = useState<
    FieldExtensionOptions[] | null
  >();
  useEffect(() => {
    let current = true;
    formFieldsApi
      .loadFormFields()
      .then(fields => fieldExtensionsOf(fields) ?? null)
      .catch(() => null)
      .then(result => {
        if (current) setExtensions(result);
      });
    return () => {
      current = false;
    };
  }, [formFieldsApi]);
  return extensions;
}

/** The template's form and review; Create starts the task and opens its page. */
function Wizard(props: {
  namespace: string;
  templateName: string;
  templateRef: string;
  extensions: FieldExtensionOptions[];
  formProps?: FormProps;
}) {
  const { namespace, templateName, templateRef, extensions, formProps } = props;
  const scaffolderApi = useApi(scaffolderApiRef);
  const errorApi = useApi(errorApiRef);
  const { secrets } = useTemplateSecrets();
  const rootLink = useRouteRef(scaffolderPlugin.routes.root);
  const taskLink = useRouteRef(scaffolderPlugin.routes.ongoingTask);
  const navigate = useNavigate();
  const [creating, setCreating] = useState(false);

  const onCreate = useCallback(
    async (values: Record<string, JsonValue>) => {
      if (creating) return;
      setCreating(true);
      try {
        const { taskId } = await scaffolderApi.scaffold({
          templateRef,
          values,
          secrets,
        });
        navigate(taskLink({ taskId }));
      } catch (error) {
        // Shown to the person; the form stays usable to correct and create again.
        setCreating(false);
        errorApi.post(
          error instanceof Error ? error : new Error(String(error)),
        );
      }
    },
    [
      creating,
      errorApi,
      navigate,
      scaffolderApi,
      secrets,
      taskLink,
      templateRef,
    ],
  );
  const onError = useCallback(() => <Navigate to={rootLink()} />, [rootLink]);

  return (
    <AnalyticsContext attributes={{ entityRef: templateRef }}>
      {creating && <Progress />}
      <Workflow
        namespace={namespace}
        templateName={templateName}
        onCreate={onCreate}
        onError={onError}
        extensions={extensions}
        formProps={formProps}
        components={REVIEW_COMPONENTS}
      />
    </AnalyticsContext>
  );
}

function TemplateWizard(props: {
  namespace: string;
  templateName: string;
  formProps?: FormProps;
  fallback: ReactElement;
}) {
  const { namespace, templateName, formProps, fallback } = props;
  const templateRef = stringifyEntityRef({
    kind: 'Template',
    namespace,
    name: templateName,
  });
  const extensions = useFieldExtensions();
  // Read alongside the form's own read of it: only to see whether it names form decorators.
  const { manifest } = useTemplateParameterSchema(templateRef);
  const decorators =
    manifest?.formDecorators ?? manifest?.EXPERIMENTAL_formDecorators;

  if (extensions === undefined) return <Progress />;
  if (extensions === null || (decorators && decorators.length > 0)) {
    return fallback;
  }
  return (
    <BreadcrumbEntry entry={{ label: templateName, href: '.' }}>
      <SecretsContextProvider>
        <Wizard
          namespace={namespace}
          templateName={templateName}
          templateRef={templateRef}
          extensions={extensions}
          formProps={formProps}
        />
      </SecretsContextProvider>
    </BreadcrumbEntry>
  );
}

/**
 * The scaffolder's templates sub-page (its element, `children`) with one change: a
 * template's form reviews its answers with group titles (`/data-scientists/vision`)
 * instead of refs (`group:default/vision`), through `MlToolsReviewState`.
 *
 * Why this exists: plugin-scaffolder 1.39–1.41 gives its new-frontend-system wizard no
 * `components` (the legacy `ScaffolderPage` takes `ReviewStepComponent`), so this renders
 * the same public parts the sub-page uses (`Workflow`, the installed form fields, the
 * secrets context, the scaffolder API and routes) with the review component added. It
 * keeps the scaffolder's own wizard where it cannot do all that wizard does: a template
 * that names form decorators, form fields it cannot read, or the Backstage UI theme.
 * The template list and everything else under the sub-page stay the scaffolder's.
 */
export function TemplatesWithGroupTitles(props: {
  children: ReactElement;
  formProps?: FormProps;
}) {
  const rest = useParams()['*'] ?? '';
  const wizard = WIZARD_PATH.exec(rest);
  if (!wizard || props.formProps?.EXPERIMENTAL_theme === 'bui') {
    return props.children;
  }
  const [, namespace, templateName] = wizard;
  return (
    <TemplateWizard
      key={`${namespace}/${templateName}`}
      namespace={namespace}
      templateName={templateName}
      formProps={props.formProps}
      fallback={props.children}
    />
  );
}
