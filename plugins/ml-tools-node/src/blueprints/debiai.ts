import { z } from 'zod';
import {
  appDataStorageShape,
  appDataStore,
  appTemplateRelease,
  appTemplateServiceUrl,
  appTemplateWorkload,
  APP_TEMPLATE_VALUES_CHECKED_BY,
  checkAppDataStorage,
  type AppDataStorage,
} from './appTemplate';
import { authProxyRelease } from './authProxy';
import { groupsOfRoles, MAIN_CLIENT } from './context';
import type { ToolBlueprint } from './types';

/** The image DebiAI publishes (docker-push workflow of debiai/DebiAI, tag = release). */
const DEBIAI_IMAGE = { repository: 'debiai/app', tag: '0.31.0' };
/** `run_debiai_server_prod.py` serves on port 3000. */
const DEBIAI_PORT = 3000;
/** The image's working directory is `/` and DebiAI keeps its data in `./debiai_data`. */
const DEBIAI_DATA = '/debiai_data';

/**
 * Parameters of the DebiAI blueprint.
 *
 * @public
 */
export const debiaiParametersSchema = z
  .object(appDataStorageShape)
  .superRefine(checkAppDataStorage);

/**
 * Parameters of the DebiAI blueprint, after defaults.
 *
 * @public
 */
export type DebiaiParameters = AppDataStorage;

const USER = 'user';

/**
 * DebiAI, the bias and error analysis dashboard, from its published image on the generic
 * app-template chart, its projects on a new volume or an existing NFS share. DebiAI has no
 * authentication at all, so the auth proxy always stands in front of it: there is no
 * parameter to leave it out.
 *
 * @public
 */
export const debiaiBlueprint: ToolBlueprint<DebiaiParameters> = {
  id: 'debiai',
  title: 'DebiAI',
  description:
    'Bias and error analysis of models on their datasets, with its projects on a volume or an NFS share, behind single sign-on.',
  category: 'data-analysis',
  icon: 'analysis',
  docsUrl: 'https://debiai.irt-systemx.fr/',
  parameters: debiaiParametersSchema as unknown as z.ZodType<DebiaiParameters>,
  secrets: [],
  keycloak: {
    clients: [
      {
        key: MAIN_CLIENT,
        clientType: 'confidential',
        redirectPaths: ['/oauth2/callback'],
        audienceScope: true,
        groupsClaim: true,
        cookieSecret: true,
      },
    ],
    enforcedBy:
      'The auth proxy (oauth2-proxy) in front of DebiAI lets in only members of the user groups, read from the groups claim (full paths; members of subgroups are not included). DebiAI has no authentication of its own: whoever gets in may do everything in it.',
    roles: [
      {
        name: USER,
        description:
          'Opens DebiAI: creates, analyses and deletes projects, selections and exports',
        defaultGroups: ['owner'],
      },
    ],
  },
  parts: ctx => [
    appTemplateRelease(ctx, {
      image: DEBIAI_IMAGE,
      port: DEBIAI_PORT,
      dataPath: DEBIAI_DATA,
      storage: ctx.params,
      healthPath: '/version',
    }),
    authProxyRelease(ctx, {
      upstream: appTemplateServiceUrl(ctx, DEBIAI_PORT),
      allowedGroups: groupsOfRoles(ctx.roleMappings, [USER]),
    }),
  ],
  health: {
    workloads: ctx => [
      appTemplateWorkload(ctx),
      { kind: 'Deployment', name: `${ctx.instance.name}-proxy` },
    ],
    // Answered by the proxy without a sign-in; DebiAI's own /version sits behind it.
    endpoints: ['/ping'],
  },
  links: ctx => [
    { title: 'DebiAI', url: `${ctx.url}/`, type: 'ui', icon: 'dashboard' },
    {
      title: 'DebiAI documentation',
      url: 'https://debiai.irt-systemx.fr/',
      type: 'docs',
      icon: 'docs',
    },
  ],
  catalog: {
    backingStores: ctx => [
      appDataStore(
        ctx,
        ctx.params,
        'The DebiAI data folder: projects, their samples, models, results and selections',
      ),
    ],
  },
  valuesCheckedBy: APP_TEMPLATE_VALUES_CHECKED_BY,
};
