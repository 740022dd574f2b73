import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples of `keycloak:federation:ensure`. */
export const keycloakFederationEnsureExamples: TemplateExample[] = [
  {
    description:
      "OpenLDAP users and groups in the platform's realm, read-only; the bind credential comes from the form's secret field",
    example: yaml.stringify({
      steps: [
        {
          id: 'federation',
          action: 'keycloak:federation:ensure',
          name: 'LDAP user federation',
          input: {
            owner: 'group:default/platform-admins',
            name: 'corporate-ldap',
            vendor: 'openldap',
            connectionUrl: 'ldap://ldap.example.com:389',
            bindDn: 'cn=admin,dc=example,dc=com',
            usersDn: 'ou=People,dc=example,dc=com',
            groups: { dn: 'ou=Groups,dc=example,dc=com' },
          },
        },
      ],
    }),
  },
  {
    description:
      'Active Directory in a new realm, users found anywhere under the users DN, synced on every run',
    example: yaml.stringify({
      steps: [
        {
          id: 'federation',
          action: 'keycloak:federation:ensure',
          name: 'Active Directory federation',
          input: {
            realm: 'corporate',
            owner: 'group:default/platform-admins',
            name: 'active-directory',
            vendor: 'ad',
            usernameAttribute: 'sAMAccountName',
            connectionUrl: 'ldaps://dc1.corp.example.com:636',
            bindDn:
              'cn=svc-keycloak,ou=Service Accounts,dc=corp,dc=example,dc=com',
            usersDn: 'ou=Staff,dc=corp,dc=example,dc=com',
            searchScope: 'subtree',
            groups: {
              dn: 'ou=Groups,dc=corp,dc=example,dc=com',
              membershipAttributeType: 'DN',
            },
            sync: 'always',
          },
        },
      ],
    }),
  },
];
