import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import { mlflowBlueprint } from '@ml-platform/plugin-ml-tools-node';
import yaml from 'yaml';

/** Examples of `keycloak:groups:ensure`. */
export const keycloakGroupsEnsureExamples: TemplateExample[] = [
  {
    description:
      'MLflow administrators and users: groups picked in the form, by name or full path; missing groups are created',
    example: yaml.stringify({
      steps: [
        {
          id: 'groups',
          action: 'keycloak:groups:ensure',
          name: 'Roles and groups',
          input: {
            namespace: 'ml-vision',
            name: 'mlflow-vision',
            tool: mlflowBlueprint.id,
            owner: 'group:default/vision',
            roles: [
              { name: 'admin', description: 'Administers everything' },
              { name: 'user', description: 'Signs in' },
            ],
            roleMappings: {
              admin: ['group:default/vision'],
              user: [
                'group:default/data-engineers',
                '/analysts/vision',
                'group:default/data-scientists',
              ],
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
            name: 'features-nlp',
            tool: 'feature-cache',
            owner: 'group:default/nlp',
            clientId: 'features-nlp-web',
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
