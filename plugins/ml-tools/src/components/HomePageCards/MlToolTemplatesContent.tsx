import { Link, Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import useAsync from 'react-use/esm/useAsync';
import { CardMessage } from '../CallStateView';

/** Props of the "Start from a template" home page card. */
export interface MlToolTemplatesContentProps {
  /** `spec.type` of the Template entities to list; `ml-tool` by default. */
  templateType?: string;
  /** Where a template's form opens; the list shows plain titles without it. */
  templateLink?: (template: { namespace: string; name: string }) => string;
}

/**
 * The software templates a person starts an ML tool from (catalog Template entities of
 * one `spec.type`), with their descriptions, each opening its form.
 */
export function MlToolTemplatesContent(props: MlToolTemplatesContentProps) {
  const catalogApi = useApi(catalogApiRef);
  const templateType = props.templateType ?? 'ml-tool';
  const state = useAsync(async () => {
    const { items } = await catalogApi.getEntities({
      filter: { kind: 'Template', 'spec.type': templateType },
      fields: [
        'kind',
        'metadata.name',
        'metadata.namespace',
        'metadata.title',
        'metadata.description',
      ],
    });
    return items
      .map(entity => ({
        namespace: entity.metadata.namespace ?? 'default',
        name: entity.metadata.name,
        title: entity.metadata.title ?? entity.metadata.name,
        description: entity.metadata.description,
      }))
      .sort((a, b) => a.title.localeCompare(b.title));
  }, [catalogApi, templateType]);

  if (state.loading) {
    return <Progress />;
  }
  if (state.error) {
    return (
      <ResponseErrorPanel
        error={state.error}
        title="Could not load the templates"
      />
    );
  }
  const templates = state.value ?? [];
  if (templates.length === 0) {
    return (
      <CardMessage title="No templates yet">
        Templates of type {templateType} appear here once the catalog holds
        them.
      </CardMessage>
    );
  }
  return (
    <List dense aria-label="Templates">
      {templates.map(template => (
        <ListItem key={`${template.namespace}/${template.name}`} disableGutters>
          <ListItemText
            primary={
              props.templateLink ? (
                <Link to={props.templateLink(template)}>{template.title}</Link>
              ) : (
                template.title
              )
            }
            secondary={template.description}
          />
        </ListItem>
      ))}
    </List>
  );
}
