import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples of `ml-tools:decommission`. */
export const decommissionExamples: TemplateExample[] = [
  {
    description: 'Remove an MLflow instance and all its data',
    example: yaml.stringify({
      steps: [
        {
          id: 'decommission',
          action: 'ml-tools:decommission',
          name: 'Decommission',
          input: { namespace: 'ml-vision', name: 'mlflow-vision' },
        },
      ],
    }),
  },
  {
    description:
      'Remove an instance but keep its database and bucket volumes, to deploy it again later',
    example: yaml.stringify({
      steps: [
        {
          id: 'decommission',
          action: 'ml-tools:decommission',
          name: 'Decommission, keeping data',
          input: {
            cluster: 'sandbox',
            namespace: 'team-nlp',
            name: 'mlflow-nlp',
            keepData: true,
          },
        },
      ],
    }),
  },
];
