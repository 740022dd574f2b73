import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { MlToolsActionOptions } from '../lib/context';
import { checkpointed } from '../lib/checkpoint';
import { parseInput, type Zod } from '../lib/inputs';
import {
  federationOwnership,
  isOurComponent,
  USER_STORAGE_PROVIDER,
} from '../lib/keycloak/federation';
import { keycloakFederationRemoveExamples } from './keycloakFederationRemove.examples';

const inputSchema = (z: Zod) =>
  z.object({
    realm: z
      .string()
      .regex(
        /^[A-Za-z0-9][-_.A-Za-z0-9]{0,99}$/,
        "must be letters, digits, '-', '_' or '.'",
      )
      .optional()
      .describe("The realm; the platform's own realm by default"),
    name: z
      .string()
      .min(1)
      .max(100)
      .describe('Display name of the user federation to remove'),
    confirmName: z
      .string()
      .describe('The federation name again, typed by the person removing it'),
  });

/**
 * `keycloak:federation:remove`: removes a user federation the platform made (Keycloak
 * removes its mappers and the users it imported with it). A federation someone else
 * made is left untouched; the realm and the imported groups stay.
 *
 * @public
 */
export function createKeycloakFederationRemoveAction(
  options: MlToolsActionOptions,
) {
  return createTemplateAction({
    id: 'keycloak:federation:remove',
    description:
      'Removes an LDAP / Active Directory user federation the platform made, with its mappers and imported users',
    examples: keycloakFederationRemoveExamples,
    supportsDryRun: true,
    schema: {
      input: inputSchema,
      output: {
        removed: z =>
          z
            .boolean()
            .describe('Whether the federation was (or would be) removed'),
      },
    },
    async handler(ctx) {
      const input = parseInput(inputSchema, ctx.input);
      if (input.confirmName !== input.name) {
        throw new InputError(
          `Invalid input: input.confirmName "${input.confirmName}" does not match input.name "${input.name}"`,
        );
      }
      const kc = options.keycloak;
      const realm = input.realm ?? options.config.keycloak.realm;
      const where = `${realm}/${input.name}`;
      const found = (await kc.findRealm(realm))
        ? (
            await kc.listComponents(realm, {
              type: USER_STORAGE_PROVIDER,
              name: input.name,
            })
          ).find(c => c.name === input.name)
        : undefined;
      if (!found?.id) {
        ctx.logger.info(`Keycloak user federation ${where}: already absent`);
        ctx.output('removed', false);
        return;
      }
      if (!isOurComponent(found)) {
        ctx.logger.info(
          `Keycloak user federation ${where}: exists and is not ours, left untouched`,
        );
        ctx.output('removed', false);
        return;
      }
      await options.access?.assertMayChange(
        ctx,
        federationOwnership(realm, found),
        'remove',
      );
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Keycloak user federation ${where}: would delete (with its mappers and imported users)`,
        );
        ctx.output('removed', true);
        return;
      }
      const id = found.id;
      await checkpointed(
        ctx,
        `keycloak.federation.remove.${where}`,
        async () => {
          await kc.deleteComponent(realm, id);
        },
      );
      ctx.logger.info(
        `Keycloak user federation ${where}: deleted (with its mappers and imported users)`,
      );
      ctx.output('removed', true);
      await options
        .requestCatalogRefresh?.({})
        .catch(error =>
          ctx.logger.warn(`Catalog refresh request failed: ${error}`),
        );
    },
  });
}
