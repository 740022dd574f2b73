import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples of `ml-tools:namespace:ensure`. */
export const namespaceEnsureExamples: TemplateExample[] = [
  {
    description: 'Prepare the namespace of a team on the default cluster',
    example: yaml.stringify({
      steps: [
        {
          id: 'namespace',
          action: 'ml-tools:namespace:ensure',
          name: 'Prepare the namespace',
          input: { namespace: 'ml-vision' },
        },
      ],
    }),
  },
  {
    description: 'Prepare a namespace on a named cluster',
    example: yaml.stringify({
      steps: [
        {
          id: 'namespace',
          action: 'ml-tools:namespace:ensure',
          name: 'Prepare the namespace',
          input: { cluster: 'sandbox', namespace: 'team-nlp' },
        },
      ],
    }),
  },
];
