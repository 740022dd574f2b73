import { parseEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { stringifyInstanceRef } from '@ml-platform/plugin-ml-tools-common';
import type { BlueprintSecret } from '@ml-platform/plugin-ml-tools-node';
import {
  makeEnv,
  makeIdentity,
  type MlToolsActionOptions,
} from '../lib/context';
import { checkpointed } from '../lib/checkpoint';
import {
  assertNamespaceAllowed,
  fields,
  parseInput,
  resolveCluster,
  type Zod,
} from '../lib/inputs';
import { ensureGeneratedSecret } from '../lib/kubernetes/secrets';
import { secretsEnsureExamples } from './secretsEnsure.examples';

const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

const inputSchema = (z: Zod) =>
  z.object({
    cluster: fields.cluster(z),
    namespace: fields.namespace(z),
    name: fields.name(z),
    tool: fields.tool(z),
    owner: fields.owner(z),
    secretName: z
      .string()
      .max(63)
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS-1123 subdomain')
      .optional()
      .describe('Name of the Secret; <name>-secrets by default'),
    secrets: z
      .array(
        z.object({
          key: z
            .string()
            .min(1)
            .max(253)
            .regex(SECRET_KEY, 'must consist of alphanumerics, -, _ or .')
            .describe('Key in the Secret'),
          generate: z
            .enum(['alphanumeric', 'hex', 'fernet', 'ssh-ed25519'])
            .optional()
            .describe(
              'How to generate the value: alphanumeric (length characters), hex (length bytes), a Fernet key or an Ed25519 SSH private key (OpenSSH format)',
            ),
          length: z
            .number()
            .int()
            .min(8)
            .max(256)
            .optional()
            .describe('Characters (alphanumeric) or bytes (hex) of the value'),
          value: z
            .string()
            .optional()
            .describe(
              'A fixed, non-secret value stored next to the generated ones (such as a user name)',
            ),
        }),
      )
      .min(1)
      .describe(
        'Keys of the Secret: generated once and kept on every re-run, or fixed values',
      ),
  });

/**
 * `ml-tools:secrets:ensure`: writes an instance's generated secrets into a Secret once;
 * values already there are kept on re-runs. Outputs names only, never values.
 *
 * @public
 */
export function createSecretsEnsureAction(options: MlToolsActionOptions) {
  return createTemplateAction({
    id: 'ml-tools:secrets:ensure',
    description:
      'Generates secrets (passwords, keys) into a Kubernetes Secret once and keeps them on re-runs',
    examples: secretsEnsureExamples,
    supportsDryRun: true,
    schema: {
      input: inputSchema,
      output: {
        secretName: z => z.string().describe('Name of the Secret'),
        keys: z => z.array(z.string()).describe('Keys present in the Secret'),
      },
    },
    async handler(ctx) {
      const input = parseInput(inputSchema, ctx.input);
      const cluster = resolveCluster(options.config, input.cluster);
      assertNamespaceAllowed(options.config, input.namespace);
      const keys: BlueprintSecret[] = input.secrets.map((s, i) => {
        if ((s.generate === undefined) === (s.value === undefined)) {
          throw new InputError(
            `Invalid input: input.secrets[${i}] needs exactly one of generate or value`,
          );
        }
        if (s.value !== undefined) {
          return { key: s.key, description: s.key, value: s.value };
        }
        const generators = {
          alphanumeric: { kind: 'alphanumeric' as const, length: s.length },
          hex: { kind: 'hex' as const, bytes: s.length },
          fernet: { kind: 'fernet' as const },
          'ssh-ed25519': { kind: 'ssh-ed25519' as const },
        };
        return {
          key: s.key,
          description: s.key,
          generate: generators[s.generate!],
        };
      });
      const duplicates = keys
        .map(k => k.key)
        .filter((k, i, all) => all.indexOf(k) !== i);
      if (duplicates.length > 0) {
        throw new InputError(
          `Invalid input: input.secrets lists key "${duplicates[0]}" twice`,
        );
      }
      let ownerName: string;
      try {
        ownerName = parseEntityRef(input.owner, { defaultKind: 'group' }).name;
      } catch {
        throw new InputError(
          `Invalid input: input.owner "${input.owner}" is not an entity ref`,
        );
      }
      const instance = {
        cluster,
        namespace: input.namespace,
        name: input.name,
      };
      const id = makeIdentity(instance, input.tool, ownerName);
      const secretName = input.secretName ?? `${input.name}-secrets`;
      const env = makeEnv(options, ctx.logger, !!ctx.isDryRun);
      const { keys: present } = await checkpointed(
        ctx,
        `secrets.${stringifyInstanceRef(instance)}.${secretName}`,
        () => ensureGeneratedSecret(env, id, secretName, keys),
      );
      ctx.output('secretName', secretName);
      ctx.output('keys', present);
    },
  });
}
