import type { JsonObject } from '@backstage/types';
import { mlflowValues, rawTemplate, startPortal } from './__testUtils__/portal';

jest.setTimeout(300_000);

/**
 * One bad input. `values` go through a template of the repository (the MLflow one by
 * default); `raw` is the input of an action as a hand-written template would give it.
 * `says` must all be found in the refusal: the field and the rule in words.
 */
interface BadInput {
  what: string;
  template?: string;
  values?: JsonObject;
  raw?: { action: string; input: JsonObject };
  status: 400 | 403 | 404;
  says: RegExp[];
}

const rawDeploy = (overrides: JsonObject): BadInput['raw'] => ({
  action: 'ml-tools:deploy',
  input: {
    blueprint: 'mlflow',
    namespace: 'ml-acceptance',
    name: 'mlflow-raw',
    owner: 'group:default/vision',
    roleMappings: { user: ['group:default/data-scientists'] },
    parameters: { databaseSize: '8Gi', artifactStorageSize: '20Gi' },
    ...overrides,
  },
});

const manyGroups = (n: number) =>
  Array.from({ length: n }, (_, i) => `/flood/group-${i}`);

const BAD_INPUTS: BadInput[] = [
  // The cases the issue lists.
  {
    what: 'a role group /../admins',
    values: mlflowValues({ admin: ['/../admins'] }),
    status: 400,
    says: [/input\.roleMappings\.admin\[0\]/, /'\.' or '\.\.' segment/],
  },
  {
    what: 'a user as owner',
    values: mlflowValues({ owner: 'user:default/alice' }),
    status: 400,
    says: [/input\.owner "user:default\/alice"/, /must be a Group entity/],
  },
  {
    what: 'an owner group that does not exist',
    values: mlflowValues({ owner: 'group:default/ghost-team' }),
    status: 400,
    says: [/input\.owner/, /must be an existing Group entity/],
  },
  {
    what: '500 groups in one role',
    values: mlflowValues({ user: manyGroups(500) }),
    status: 400,
    says: [/input\.roleMappings\.user lists 500 groups/, /at most 20 groups/],
  },
  {
    what: 'the domain evil.com',
    values: mlflowValues({ domain: 'evil.com' }),
    status: 400,
    says: [/input\.domain "evil\.com"/, /not a domain instances may use/],
  },
  {
    what: "the portal's own namespace ml-tools",
    values: mlflowValues({ namespace: 'ml-tools' }),
    status: 403,
    says: [/input\.namespace "ml-tools"/, /reserved for the portal itself/],
  },
  {
    what: 'an unknown parameter',
    raw: rawDeploy({
      parameters: { databaseSize: '8Gi', replicas: 3 },
    }),
    status: 400,
    says: [/input\.parameters\.replicas/, /is not a parameter of blueprint/],
  },
  // Namespaces.
  ...['kube-system', 'kube-public', 'default', 'flux-system', 'argocd'].map(
    (namespace): BadInput => ({
      what: `the system namespace ${namespace}`,
      values: mlflowValues({ namespace }),
      status: 403,
      says: [
        new RegExp(`input\\.namespace "${namespace}"`),
        /system namespace/,
      ],
    }),
  ),
  {
    what: 'a namespace outside the allowed patterns',
    values: mlflowValues({ namespace: 'prod-data' }),
    status: 403,
    says: [/input\.namespace "prod-data"/, /does not match any namespace/],
  },
  // Group paths.
  {
    what: 'a group path with an empty segment',
    values: mlflowValues({ admin: ['//admins'] }),
    status: 400,
    says: [/input\.roleMappings\.admin\[0\]/, /has an empty segment/],
  },
  {
    what: 'a group path ending with /',
    values: mlflowValues({ user: ['/analysts/'] }),
    status: 400,
    says: [/input\.roleMappings\.user\[0\]/, /has an empty segment/],
  },
  {
    what: 'a group path with a . segment',
    values: mlflowValues({ user: ['/./admins'] }),
    status: 400,
    says: [/input\.roleMappings\.user\[0\]/, /'\.' or '\.\.' segment/],
  },
  {
    what: 'a group path six levels deep',
    values: mlflowValues({ user: ['/a/b/c/d/e/f'] }),
    status: 400,
    says: [/input\.roleMappings\.user\[0\]/, /6 levels deep; .* at most 5/],
  },
  {
    what: 'a group path of 300 characters',
    values: mlflowValues({ user: [`/${'g'.repeat(299)}`] }),
    status: 400,
    says: [
      /input\.roleMappings\.user\[0\]/,
      /300 characters long; .* at most 255/,
    ],
  },
  {
    what: 'a new group whose name breaks the rule',
    values: mlflowValues({ user: ['/Team Leads'] }),
    status: 400,
    says: [
      /input\.roleMappings\.user/,
      /segment "Team Leads" must be lower-case letters, digits/,
    ],
  },
  {
    what: 'a new group under an existing parent whose name breaks the rule',
    values: mlflowValues({ user: ['/data-scientists/Vision_'] }),
    status: 400,
    says: [/input\.roleMappings\.user/, /segment "Vision_" must be/],
  },
  {
    what: '21 groups in a role, one over the limit',
    values: mlflowValues({ admin: manyGroups(21) }),
    status: 400,
    says: [/input\.roleMappings\.admin lists 21 groups/, /at most 20/],
  },
  // Group refs.
  {
    what: 'a user in a role',
    values: mlflowValues({ user: ['user:default/bob'] }),
    status: 400,
    says: [/input\.roleMappings\.user\[0\]/, /is not a Group entity/],
  },
  {
    what: 'a Group entity that does not exist in a role',
    values: mlflowValues({ admin: ['group:default/nobody'] }),
    status: 400,
    says: [/input\.roleMappings\.admin\[0\]/, /existing Group entity/],
  },
  {
    what: 'a bare group name that is no entity',
    values: mlflowValues({ user: ['phantom-team'] }),
    status: 400,
    says: [
      /input\.roleMappings\.user\[0\] "phantom-team"/,
      /existing Group entity/,
    ],
  },
  {
    what: 'a component as owner',
    values: mlflowValues({ owner: 'component:default/mlflow' }),
    status: 400,
    says: [/input\.owner/, /must be a Group entity; it names a component/],
  },
  {
    what: 'a role the tool does not have',
    raw: rawDeploy({ roleMappings: { viewer: ['group:default/vision'] } }),
    status: 400,
    says: [/input\.roleMappings\.viewer/, /is not a role of this tool/],
  },
  // Domains.
  {
    what: 'a domain ending in the base domain of someone else',
    values: mlflowValues({ domain: 'sandbox.local.evil.com' }),
    status: 400,
    says: [/input\.domain/, /not a domain instances may use/],
  },
  {
    what: 'a sub-domain of the base domain',
    values: mlflowValues({ domain: 'team.sandbox.local' }),
    status: 400,
    says: [/input\.domain "team\.sandbox\.local"/, /allowed domains/],
  },
  // Raw action input.
  {
    what: 'an unknown input',
    raw: rawDeploy({ replicas: 3 }),
    status: 400,
    says: [/input\.replicas is not an input of this action/],
  },
  {
    what: 'a parameter outside its enum',
    raw: rawDeploy({ parameters: { defaultPermission: 'OWNER' } }),
    status: 400,
    says: [/input\.parameters\.defaultPermission/, /READ/],
  },
  {
    what: 'two unknown parameters',
    raw: rawDeploy({ parameters: { gpu: true, ingressClass: 'x' } }),
    status: 400,
    says: [/input\.parameters\.gpu/, /input\.parameters\.ingressClass/],
  },
  {
    what: 'an unknown blueprint',
    raw: rawDeploy({ blueprint: 'tensorboard' }),
    status: 400,
    says: [/input\.blueprint "tensorboard"/, /is not a known blueprint/],
  },
  {
    what: 'a cluster that is not configured',
    raw: rawDeploy({ cluster: 'production' }),
    status: 400,
    says: [/input\.cluster "production"/, /is not a configured cluster/],
  },
  {
    what: 'a namespace given to a raw action that is a system one',
    raw: rawDeploy({ namespace: 'kube-node-lease' }),
    status: 403,
    says: [/input\.namespace "kube-node-lease"/, /system namespace/],
  },
  {
    what: 'a wait shorter than allowed',
    raw: rawDeploy({ timeoutSeconds: 1 }),
    status: 400,
    says: [
      /input\.timeoutSeconds/,
      /must be a whole number of seconds from 10 to 7200/,
    ],
  },
  // Decommission.
  {
    what: 'a decommission whose confirmation differs from the name',
    raw: {
      action: 'ml-tools:decommission',
      input: {
        namespace: 'ml-acceptance',
        name: 'mlflow-acc',
        confirmName: 'mlflow-other',
      },
    },
    status: 400,
    says: [
      /input\.confirmName "mlflow-other"/,
      /does not match the instance name/,
    ],
  },
  {
    what: 'a decommission of an instance that does not exist',
    raw: {
      action: 'ml-tools:decommission',
      input: { namespace: 'ml-acceptance', name: 'mlflow-nowhere' },
    },
    status: 404,
    says: [/input\.name/, /there is no instance "mlflow-nowhere"/],
  },
  {
    what: 'a decommission in a system namespace',
    raw: {
      action: 'ml-tools:decommission',
      input: { namespace: 'kube-system', name: 'coredns' },
    },
    status: 403,
    says: [/input\.namespace "kube-system"/, /system namespace/],
  },
];

const templateOf = (c: BadInput, i: number) =>
  c.raw ? `battery-${i}` : c.template ?? 'mlflow';

describe('bad input through the scaffolder: refused before any write, with the field and the rule', () => {
  let portal: Awaited<ReturnType<typeof startPortal>>;

  beforeAll(async () => {
    portal = await startPortal({
      extraEntities: BAD_INPUTS.flatMap((c, i) =>
        c.raw ? [rawTemplate(`battery-${i}`, c.raw.action, c.raw.input)] : [],
      ),
    });
  });

  afterAll(async () => {
    await portal?.stop();
  });

  it('holds at least 30 bad inputs, the issue’s cases among them', () => {
    expect(BAD_INPUTS.length).toBeGreaterThanOrEqual(30);
  });

  it.each(BAD_INPUTS.map((c, i) => [c.what, c, i] as const))(
    '%s',
    async (_what, c, i) => {
      const template = templateOf(c, i);
      const values = c.values ?? {};
      const mark = portal.sandbox.log.mark();

      const dry = await portal.dryRun(template, values);
      const dryMessage = String(dry.body?.error?.message ?? '');
      expect({ status: dry.status, message: dryMessage }).toMatchObject({
        status: c.status,
      });
      for (const words of c.says) expect(dryMessage).toMatch(words);

      const task = await portal.run(template, values);
      expect(task.status).toBe('failed');
      for (const words of c.says) expect(task.log).toMatch(words);
      // What people read: no stack frames, no server paths, no colour codes in what
      // the action says (the scaffolder colours its own level prefix).
      expect(task.log).not.toMatch(/\n\s+at /);
      expect(task.log).not.toMatch(/\/work\/|node_modules|\.ts:\d+/);

      expect(portal.writesSince(mark)).toEqual([]);
    },
  );
});
