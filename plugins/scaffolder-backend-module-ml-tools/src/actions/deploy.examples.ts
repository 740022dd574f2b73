import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import { mlflowBlueprint } from '@ml-platform/plugin-ml-tools-node';
import yaml from 'yaml';

/** Examples of `ml-tools:deploy`. */
export const deployExamples: TemplateExample[] = [
  {
    description:
      'Deploy MLflow with PostgreSQL, an S3 bucket and SSO: administrators and users by group, READ for users on what others made',
    example: yaml.stringify({
      steps: [
        {
          id: 'deploy',
          action: 'ml-tools:deploy',
          name: 'Deploy MLflow',
          input: {
            blueprint: mlflowBlueprint.id,
            namespace: 'ml-vision',
            name: 'mlflow-vision',
            owner: 'group:default/vision',
            title: 'MLflow of the vision team',
            roleMappings: {
              admin: ['group:default/vision-leads'],
              user: ['group:default/vision', 'group:default/data-scientists'],
            },
            parameters: {
              databaseSize: '10Gi',
              artifactStorageSize: '50Gi',
              defaultPermission: 'READ',
            },
          },
        },
      ],
      output: {
        links: [
          { title: 'Open MLflow', url: '${{ steps.deploy.output.url }}' },
        ],
      },
    }),
  },
  {
    description:
      'Deploy on a named cluster under a custom domain without waiting for Ready',
    example: yaml.stringify({
      steps: [
        {
          id: 'deploy',
          action: 'ml-tools:deploy',
          name: 'Deploy MLflow',
          input: {
            cluster: 'sandbox',
            blueprint: mlflowBlueprint.id,
            namespace: 'team-nlp',
            name: 'mlflow-nlp',
            owner: 'group:default/nlp',
            domain: 'ml.example.com',
            wait: false,
          },
        },
      ],
    }),
  },
];
