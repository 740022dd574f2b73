import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples of `keycloak:client:ensure`. */
export const keycloakClientEnsureExamples: TemplateExample[] = [
  {
    description:
      'A confidential client for an auth proxy in front of a notebook viewer, its secret and a cookie secret in a Secret',
    example: yaml.stringify({
      steps: [
        {
          id: 'client',
          action: 'keycloak:client:ensure',
          name: 'Keycloak client',
          input: {
            namespace: 'ml-vision',
            name: 'viewer-vision',
            tool: 'notebook-viewer',
            owner: 'group:default/vision',
            rootUrl: 'https://viewer-vision.example.com',
            redirectUris: ['https://viewer-vision.example.com/oauth2/callback'],
            cookieSecret: true,
          },
        },
      ],
    }),
  },
  {
    description:
      'A public client with a custom clientId and an extra claim mapper',
    example: yaml.stringify({
      steps: [
        {
          id: 'client',
          action: 'keycloak:client:ensure',
          name: 'Keycloak client',
          input: {
            cluster: 'sandbox',
            namespace: 'team-nlp',
            name: 'viewer-nlp',
            tool: 'notebook-viewer',
            owner: 'group:default/nlp',
            clientId: 'viewer-nlp-console',
            clientType: 'public',
            rootUrl: 'https://viewer-nlp.example.com',
            redirectUris: [
              'https://viewer-nlp.example.com/oauth_callback',
              'http://localhost:9001/oauth_callback',
            ],
            protocolMappers: [
              {
                name: 'policy',
                protocolMapper: 'oidc-hardcoded-claim-mapper',
                config: {
                  'claim.name': 'policy',
                  'claim.value': 'readwrite',
                  'access.token.claim': 'true',
                  'id.token.claim': 'true',
                },
              },
            ],
          },
        },
      ],
    }),
  },
];
