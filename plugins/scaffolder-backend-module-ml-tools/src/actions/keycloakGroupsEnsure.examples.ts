import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples of `keycloak:groups:ensure`. */
export const keycloakGroupsEnsureExamples: TemplateExample[] = [
  {
    description:
      'MLflow permissions mapped to groups picked in the form; missing groups are created',
    example: yaml.stringify({
      steps: [
        {
          id: 'groups',
          action: 'keycloak:groups:ensure',
          name: 'Roles and groups',
          input: {
            namespace: 'ml-vision',
            name: 'mlflow-vision',
            tool: 'mlflow',
            owner: 'group:default/vision',
            roles: [
              { name: 'admin', description: 'Everything' },
              { name: 'MANAGE', description: 'Manage' },
              { name: 'EDIT', description: 'Edit' },
              { name: 'READ', description: 'Read' },
            ],
            roleMappings: {
              admin: ['group:default/vision'],
              EDIT: ['group:default/data-engineers', '/analysts/vision'],
              READ: ['group:default/data-scientists'],
            },
          },
        },
      ],
    }),
  },
  {
    description: 'Airflow roles for an existing client with a custom clientId',
    example: yaml.stringify({
      steps: [
        {
          id: 'groups',
          action: 'keycloak:groups:ensure',
          name: 'Roles and groups',
          input: {
            cluster: 'sandbox',
            namespace: 'team-nlp',
            name: 'airflow-nlp',
            tool: 'airflow',
            owner: 'group:default/nlp',
            clientId: 'airflow-nlp-web',
            roles: [
              { name: 'Admin' },
              { name: 'Op' },
              { name: 'User' },
              { name: 'Viewer' },
            ],
            roleMappings: { Admin: ['nlp-admins'], Viewer: ['nlp'] },
          },
        },
      ],
    }),
  },
];
