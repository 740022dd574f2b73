import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import { mlflowBlueprint } from '@ml-platform/plugin-ml-tools-node';
import yaml from 'yaml';

/** Examples of `ml-tools:secrets:ensure`. */
export const secretsEnsureExamples: TemplateExample[] = [
  {
    description:
      'Generate an Airflow Fernet key and webserver secret once; re-runs keep them',
    example: yaml.stringify({
      steps: [
        {
          id: 'secrets',
          action: 'ml-tools:secrets:ensure',
          name: 'Generate secrets',
          input: {
            namespace: 'ml-vision',
            name: 'features-vision',
            tool: 'feature-cache',
            owner: 'group:default/vision',
            secrets: [
              { key: 'password', generate: 'alphanumeric', length: 32 },
              { key: 'signing-key', generate: 'hex', length: 16 },
            ],
          },
        },
      ],
    }),
  },
  {
    description:
      'Database credentials in the Secret a database chart reads: a fixed user name and generated passwords',
    example: yaml.stringify({
      steps: [
        {
          id: 'db-secrets',
          action: 'ml-tools:secrets:ensure',
          name: 'Database credentials',
          input: {
            cluster: 'sandbox',
            namespace: 'team-nlp',
            name: 'mlflow-nlp',
            tool: mlflowBlueprint.id,
            owner: 'group:default/nlp',
            secretName: 'mlflow-nlp-postgresql',
            secrets: [
              { key: 'username', value: 'tracking' },
              { key: 'password', generate: 'alphanumeric', length: 32 },
              {
                key: 'postgres-password',
                generate: 'alphanumeric',
                length: 32,
              },
            ],
          },
        },
      ],
    }),
  },
];
