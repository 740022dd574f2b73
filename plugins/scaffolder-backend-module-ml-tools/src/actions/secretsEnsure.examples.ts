import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
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
            name: 'airflow-vision',
            tool: 'airflow',
            owner: 'group:default/vision',
            secrets: [
              { key: 'fernet-key', generate: 'fernet' },
              { key: 'webserver-secret-key', generate: 'hex', length: 16 },
            ],
          },
        },
      ],
    }),
  },
  {
    description:
      'Database credentials: a fixed user name and a generated password',
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
            tool: 'mlflow',
            owner: 'group:default/nlp',
            secretName: 'mlflow-nlp-db',
            secrets: [
              { key: 'username', value: 'mlflow' },
              { key: 'password', generate: 'alphanumeric', length: 32 },
            ],
          },
        },
      ],
    }),
  },
];
