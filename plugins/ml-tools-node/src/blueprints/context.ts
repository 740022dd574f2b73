import { parseEntityRef } from '@backstage/catalog-model';
import type { JsonObject } from '@backstage/types';
import type { InstanceRef } from '@ml-platform/plugin-ml-tools-common';
import type { MlToolsConfig } from '../config/readMlToolsConfig';
import { instanceLabels } from './labels';
import type {
  AnyToolBlueprint,
  BlueprintContext,
  BlueprintRelease,
} from './types';
import { authProxyRelease } from './authProxy';

/**
 * Names of the Secrets of an instance.
 *
 * @public
 */
export function instanceSecretNames(instance: string): {
  generated: string;
  oidc: string;
} {
  return { generated: `${instance}-secrets`, oidc: `${instance}-oidc` };
}

/**
 * Input of {@link createBlueprintContext}.
 *
 * @public
 */
export interface BlueprintContextInput {
  blueprint: AnyToolBlueprint;
  instance: InstanceRef;
  /** Entity ref of the owner group. */
  owner: string;
  title?: string;
  description?: string;
  /** Domain of the host; `mlTools.baseDomain` when absent. */
  domain?: string;
  /** Parameters already checked against the blueprint's schema. */
  params: JsonObject;
  roleMappings: Record<string, string[]>;
  /** Keycloak clientId; `<instance>` by default. */
  clientId?: string;
}

/**
 * Builds the context a blueprint's functions receive, from the template input and
 * the config.
 *
 * @public
 */
export function createBlueprintContext(
  config: Pick<MlToolsConfig, 'baseDomain' | 'ingressScheme' | 'keycloak'>,
  input: BlueprintContextInput,
): BlueprintContext {
  const ownerName = parseEntityRef(input.owner, {
    defaultKind: 'group',
    defaultNamespace: 'default',
  }).name;
  const host = `${input.instance.name}.${input.domain ?? config.baseDomain}`;
  const names = instanceSecretNames(input.instance.name);
  return {
    instance: input.instance,
    owner: input.owner,
    ownerName,
    title: input.title ?? `${input.blueprint.title} ${input.instance.name}`,
    description: input.description,
    host,
    url: `${config.ingressScheme}://${host}`,
    params: input.params,
    roleMappings: input.roleMappings,
    secretName: names.generated,
    keycloak: input.blueprint.keycloak
      ? {
          issuerUrl: `${config.keycloak.baseUrl}/realms/${config.keycloak.realm}`,
          clientId: input.clientId ?? input.instance.name,
          clientSecretName: names.oidc,
        }
      : undefined,
    labels: instanceLabels({
      instance: input.instance.name,
      tool: input.blueprint.id,
      ownerName,
    }),
  };
}

/**
 * Every release of an instance: the tool's own, then the auth proxy when the blueprint
 * asks for one.
 *
 * @public
 */
export function blueprintReleases(
  blueprint: AnyToolBlueprint,
  ctx: BlueprintContext,
): BlueprintRelease[] {
  const releases: BlueprintRelease[] = [
    {
      name: ctx.instance.name,
      component: 'main',
      chart: blueprint.charts.main,
      values: blueprint.values(ctx),
    },
  ];
  if (blueprint.authProxy) {
    const restrict = blueprint.authProxy.restrictToMappedGroups ?? true;
    const allowed = restrict
      ? [
          ...new Set(
            Object.values(ctx.roleMappings)
              .flat()
              .map(p => p.split('/').filter(Boolean).pop()!),
          ),
        ]
      : [];
    releases.push(
      authProxyRelease(ctx, {
        upstream: blueprint.authProxy.upstream(ctx),
        allowedGroups: allowed,
      }),
    );
  }
  return releases;
}
