import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples of `keycloak:federation:remove`. */
export const keycloakFederationRemoveExamples: TemplateExample[] = [
  {
    description:
      "Removes the platform realm's LDAP federation the portal made, with its imported users",
    example: yaml.stringify({
      steps: [
        {
          id: 'remove',
          action: 'keycloak:federation:remove',
          name: 'Remove the LDAP federation',
          input: { name: 'corporate-ldap', confirmName: 'corporate-ldap' },
        },
      ],
    }),
  },
];
