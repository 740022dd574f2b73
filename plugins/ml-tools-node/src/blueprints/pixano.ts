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

/** The image Pixano publishes (dockerfiles/Dockerfile of pixano/pixano, tag = release). */
const PIXANO_IMAGE = { repository: 'pixano/pixano', tag: '0.7.2' };
/** `EXPOSE 7492`; the image runs `pixano server run $DATA_DIR --port 7492`. */
const PIXANO_PORT = 7492;
/** The image's `DATA_DIR`: `pixano init` makes `library/` and `models/` in it. */
const PIXANO_DATA = '/library';

/**
 * Parameters of the Pixano blueprint.
 *
 * @public
 */
export const pixanoParametersSchema = z
  .object(appDataStorageShape)
  .superRefine(checkAppDataStorage);

/**
 * Parameters of the Pixano blueprint, after defaults.
 *
 * @public
 */
export type PixanoParameters = AppDataStorage;

const ANNOTATOR = 'annotator';

/**
 * Pixano, the annotation tool, from its published image on the generic app-template
 * chart, its library on a new volume or an existing NFS share. Pixano has no login of its
 * own (no users, no admin, no password in the image or its settings): the auth proxy
 * always stands in front of it and lets in only the groups given the annotator role.
 *
 * @public
 */
export const pixanoBlueprint: ToolBlueprint<PixanoParameters> = {
  id: 'pixano',
  title: 'Pixano annotation tool',
  description:
    'Image and video annotation with Pixano, its dataset library on a volume or an NFS share, behind single sign-on.',
  category: 'data-labeling',
  icon: 'labeling',
  docsUrl: 'https://pixano.github.io/pixano/',
  parameters: pixanoParametersSchema as unknown as z.ZodType<PixanoParameters>,
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
      'The auth proxy (oauth2-proxy) in front of Pixano lets in only members of the annotator groups, read from the groups claim (full paths; members of subgroups are not included). Pixano has no login or permissions of its own: whoever gets in may do everything in it.',
    roles: [
      {
        name: ANNOTATOR,
        description:
          'Opens Pixano: browses the datasets of the library, creates, edits and deletes annotations',
        defaultGroups: ['owner'],
      },
    ],
  },
  parts: ctx => [
    appTemplateRelease(ctx, {
      image: PIXANO_IMAGE,
      port: PIXANO_PORT,
      dataPath: PIXANO_DATA,
      storage: ctx.params,
      healthPath: '/health',
      env: { DATA_DIR: PIXANO_DATA },
    }),
    authProxyRelease(ctx, {
      upstream: appTemplateServiceUrl(ctx, PIXANO_PORT),
      allowedGroups: groupsOfRoles(ctx.roleMappings, [ANNOTATOR]),
    }),
  ],
  health: {
    workloads: ctx => [
      appTemplateWorkload(ctx),
      { kind: 'Deployment', name: `${ctx.instance.name}-proxy` },
    ],
    // Answered by the proxy without a sign-in; Pixano's own /health sits behind it.
    endpoints: ['/ping'],
  },
  links: ctx => [
    { title: 'Pixano', url: `${ctx.url}/`, type: 'ui', icon: 'dashboard' },
    {
      title: 'Pixano documentation',
      url: 'https://pixano.github.io/pixano/',
      type: 'docs',
      icon: 'docs',
    },
  ],
  catalog: {
    backingStores: ctx => [
      appDataStore(
        ctx,
        ctx.params,
        'The Pixano library: datasets, their media and annotations, and models',
      ),
    ],
  },
  valuesCheckedBy: APP_TEMPLATE_VALUES_CHECKED_BY,
};
