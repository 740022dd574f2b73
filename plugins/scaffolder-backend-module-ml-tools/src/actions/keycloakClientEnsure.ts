import { parseEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  makeEnv,
  makeIdentity,
  type MlToolsActionOptions,
  type StepEnv,
  type InstanceIdentity,
} from '../lib/context';
import { checkpointed } from '../lib/checkpoint';
import {
  assertNamespaceAllowed,
  checkRedirectUris,
  fields,
  parseInput,
  resolveCluster,
  type Zod,
} from '../lib/inputs';
import type {
  KcClient,
  KcClientScope,
} from '@ml-platform/plugin-ml-tools-node';
import { ensureClient, type ClientSpec } from '../lib/keycloak/clients';
import { ensureClientSecret } from '../lib/kubernetes/secrets';
import { keycloakClientEnsureExamples } from './keycloakClientEnsure.examples';

export const CLIENT_ID = /^[a-z0-9]([-a-z0-9._]*[a-z0-9])?$/;

const inputSchema = (z: Zod) =>
  z.object({
    cluster: fields.cluster(z),
    namespace: fields.namespace(z),
    name: fields.name(z),
    tool: fields.tool(z),
    owner: fields.owner(z),
    clientId: z
      .string()
      .max(100)
      .regex(CLIENT_ID, "must be lower case a-z, 0-9, '-', '.', '_'")
      .optional()
      .describe('Keycloak clientId; the instance name by default'),
    title: z
      .string()
      .max(200)
      .optional()
      .describe('Display name of the client'),
    description: z
      .string()
      .max(500)
      .optional()
      .describe('Description of the client'),
    clientType: z
      .enum(['confidential', 'public'])
      .default('confidential')
      .describe(
        'confidential clients get a secret, written to a Kubernetes Secret',
      ),
    rootUrl: z
      .string()
      .url()
      .describe(
        'Root URL of the application, such as https://mlflow-a.example.com',
      ),
    redirectUris: z
      .array(z.string())
      .min(1)
      .describe(
        'Exact redirect URIs: https, or http to localhost only; no wildcards',
      ),
    webOrigins: z
      .array(z.string())
      .optional()
      .describe('Allowed CORS origins; the origin of rootUrl by default'),
    audienceScope: z
      .boolean()
      .default(true)
      .describe(
        'Add a client scope with an audience mapper for this client, as a default scope',
      ),
    groupsClaim: z
      .boolean()
      .default(true)
      .describe(
        'Add a protocol mapper putting group names into a groups claim',
      ),
    protocolMappers: z
      .array(
        z.object({
          name: z.string().min(1).describe('Mapper name, unique on the client'),
          protocolMapper: z
            .string()
            .min(1)
            .describe('Mapper type, such as oidc-hardcoded-claim-mapper'),
          config: z.record(z.string()).describe('Mapper configuration'),
        }),
      )
      .default([])
      .describe('Further protocol mappers of the client'),
    secretName: z
      .string()
      .max(63)
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS-1123 subdomain')
      .optional()
      .describe(
        'Secret receiving client-id and client-secret; <name>-oidc by default',
      ),
    cookieSecret: z
      .boolean()
      .default(false)
      .describe(
        'Also generate a cookie-secret key (for an auth proxy), kept on re-runs',
      ),
  });

type Input = ReturnType<typeof inputSchema>['_output'];

/** Checks the input beyond its schema; throws before any upstream call. */
export function checkClientInput(options: MlToolsActionOptions, input: Input) {
  const cluster = resolveCluster(options.config, input.cluster);
  assertNamespaceAllowed(options.config, input.namespace);
  const redirectUris = checkRedirectUris(
    input.redirectUris,
    'input.redirectUris',
  );
  const webOrigins = input.webOrigins ?? [new URL(input.rootUrl).origin];
  for (const [i, origin] of webOrigins.entries()) {
    if (origin.includes('*')) {
      throw new InputError(
        `Invalid input: input.webOrigins[${i}] must not contain a wildcard`,
      );
    }
  }
  let ownerName: string;
  try {
    ownerName = parseEntityRef(input.owner, { defaultKind: 'group' }).name;
  } catch {
    throw new InputError(
      `Invalid input: input.owner "${input.owner}" is not an entity ref`,
    );
  }
  const id = makeIdentity(
    { cluster, namespace: input.namespace, name: input.name },
    input.tool,
    ownerName,
  );
  const spec: ClientSpec = {
    clientId: input.clientId ?? input.name,
    title: input.title ?? input.name,
    description: input.description,
    clientType: input.clientType,
    rootUrl: input.rootUrl,
    redirectUris,
    webOrigins,
    owner: input.owner,
    groupsClaim: input.groupsClaim,
    audienceScope: input.audienceScope,
    protocolMappers: input.protocolMappers.map(m => ({
      ...m,
      protocol: 'openid-connect',
    })),
  };
  return { id, spec, secretName: input.secretName ?? `${input.name}-oidc` };
}

/**
 * Ensures the client and writes its secret straight into the Kubernetes Secret; the
 * secret goes from Keycloak to the cluster and nowhere else. Returns the client UUID.
 */
export async function ensureClientAndSecret(
  env: StepEnv,
  id: InstanceIdentity,
  spec: ClientSpec,
  secretName: string,
  cookieSecret: boolean,
  live?: KcClient | null,
  liveScope?: KcClientScope | null,
): Promise<{ clientUuid?: string; created: boolean }> {
  const { clientUuid, created } = await ensureClient(
    env,
    id,
    spec,
    live,
    liveScope,
  );
  if (spec.clientType === 'confidential') {
    if (clientUuid) {
      const secret = await env.kc.getClientSecret(clientUuid);
      await ensureClientSecret(
        env,
        id,
        secretName,
        spec.clientId,
        secret,
        cookieSecret,
      );
    } else {
      env.changes.add({
        target: 'kubernetes',
        kind: 'Secret',
        name: `${id.namespace}/${secretName}`,
        action: 'create',
        detail: `client credentials of ${spec.clientId}`,
      });
    }
  }
  return { clientUuid, created };
}

/**
 * `keycloak:client:ensure`: the Keycloak client of an instance (confidential or public),
 * with exact redirect URIs, an audience client scope as default scope, a groups claim
 * mapper, further mappers and our ownership attributes. A client is adopted only when
 * it carries our mark for this instance. The client secret goes straight into a
 * Kubernetes Secret; outputs are the clientId, the client UUID and the Secret's name.
 *
 * @public
 */
export function createKeycloakClientEnsureAction(
  options: MlToolsActionOptions,
) {
  return createTemplateAction({
    id: 'keycloak:client:ensure',
    description:
      'Ensures the Keycloak client of an ML tool instance, its scope and mappers, and writes its secret into a Kubernetes Secret',
    examples: keycloakClientEnsureExamples,
    supportsDryRun: true,
    schema: {
      input: inputSchema,
      output: {
        clientId: z => z.string().describe('The clientId'),
        clientUuid: z => z.string().describe("The client's UUID in Keycloak"),
        secretName: z =>
          z
            .string()
            .optional()
            .describe(
              'Secret holding the client credentials (confidential clients)',
            ),
      },
    },
    async handler(ctx) {
      const input = parseInput(inputSchema, ctx.input);
      const { id, spec, secretName } = checkClientInput(options, input);
      const env = makeEnv(options, ctx.logger, !!ctx.isDryRun);
      // Ownership is checked before the first write.
      const live = await options.keycloak.findClientByClientId(spec.clientId);
      const result = await checkpointed(
        ctx,
        `keycloak.client.${spec.clientId}`,
        async () => {
          const ensured = await ensureClientAndSecret(
            env,
            id,
            spec,
            secretName,
            input.cookieSecret,
            live ?? null,
          );
          return { clientUuid: ensured.clientUuid ?? '' };
        },
      );
      ctx.logger.info(
        `Keycloak client ${spec.clientId}: ${env.changes.summary()}`,
      );
      ctx.output('clientId', spec.clientId);
      ctx.output('clientUuid', result.clientUuid);
      if (spec.clientType === 'confidential')
        ctx.output('secretName', secretName);
    },
  });
}
