import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { Entity, GroupEntity } from '@backstage/catalog-model';
import type { EntityProviderConnection } from '@backstage/plugin-catalog-node';
import {
  KeycloakOrgEntityProvider,
  keycloakTransformerExtensionPoint,
  type GroupTransformer,
} from '@backstage-community/plugin-catalog-backend-module-keycloak';
import { startSandbox, type Sandbox } from '@ml-platform/sandbox';
import {
  catalogModuleKeycloakGroupPaths,
  keycloakGroupPathTransformer,
} from './keycloakGroupPaths';

jest.setTimeout(60_000);

/** Reads the sandbox realm once through the community provider, as the catalog does. */
async function readGroups(
  sandbox: Sandbox,
  groupTransformer?: GroupTransformer,
): Promise<GroupEntity[]> {
  const kc = sandbox.keycloak!;
  const entities: Entity[] = [];
  const connection: EntityProviderConnection = {
    async applyMutation(mutation) {
      if (mutation.type === 'full') {
        entities.push(...mutation.entities.map(e => e.entity));
      }
    },
    async refresh() {},
  };
  const provider = new KeycloakOrgEntityProvider({
    id: 'test',
    provider: {
      id: 'test',
      baseUrl: kc.url,
      realm: kc.realm,
      loginRealm: kc.realm,
      clientId: kc.clientId,
      clientSecret: kc.clientSecret,
    },
    logger: mockServices.logger.mock(),
    taskRunner: { run: async () => {} },
    groupTransformer,
  });
  await provider.connect(connection);
  await provider.read({ taskInstanceId: 'test' });
  return entities.filter((e): e is GroupEntity => e.kind === 'Group');
}

describe('keycloakGroupPathTransformer', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ clusters: [{ name: 'sandbox' }] });
  });

  afterAll(() => sandbox?.stop());

  it('titles a subgroup with its full path, where the stock module shows its bare name', async () => {
    const stock = await readGroups(sandbox);
    const stockVision = stock.find(g => g.metadata.name === 'vision');
    expect(stockVision?.spec.profile?.displayName).toBe('vision');

    const groups = await readGroups(sandbox, keycloakGroupPathTransformer);
    const vision = groups.find(g => g.metadata.name === 'vision');
    expect(vision).toBeDefined();
    expect(vision!.metadata.title).toBe('/data-scientists/vision');
    expect(vision!.spec.profile?.displayName).toBe('/data-scientists/vision');
    // The name, parent and children stay as the module makes them: refs do not move.
    expect(vision!.spec.parent).toBe('data-scientists');
    const parent = groups.find(g => g.metadata.name === 'data-scientists');
    expect(parent!.metadata.title).toBe('/data-scientists');
    expect(parent!.spec.children).toContain('vision');
    expect(groups.map(g => g.metadata.name).sort()).toEqual(
      stock.map(g => g.metadata.name).sort(),
    );
  });

  it('keeps the entity name rule of the module for names outside [a-zA-Z0-9-_.]', async () => {
    const entity: GroupEntity = {
      apiVersion: 'backstage.io/v1beta1',
      kind: 'Group',
      metadata: { name: 'ML Ops' },
      spec: { type: 'group', children: [], profile: { displayName: 'ML Ops' } },
    };
    const result = await keycloakGroupPathTransformer(
      entity,
      { name: 'ML Ops', path: '/platform/ML Ops' },
      'realm',
    );
    expect(result?.metadata.name).toBe('ML-Ops');
    expect(result?.metadata.title).toBe('/platform/ML Ops');
  });

  it('falls back to the parent name when the server sends no path', async () => {
    const entity: GroupEntity = {
      apiVersion: 'backstage.io/v1beta1',
      kind: 'Group',
      metadata: { name: 'vision' },
      spec: { type: 'group', children: [] },
    };
    const result = await keycloakGroupPathTransformer(
      entity,
      { name: 'vision', parent: 'data-scientists' } as never,
      'realm',
    );
    expect(result?.spec.profile?.displayName).toBe('/data-scientists/vision');
  });
});

describe('catalogModuleKeycloakGroupPaths', () => {
  it('sets the group transformer of the Keycloak module', async () => {
    const setGroupTransformer = jest.fn();
    await startTestBackend({
      extensionPoints: [
        [
          keycloakTransformerExtensionPoint,
          { setGroupTransformer, setUserTransformer: jest.fn() },
        ],
      ],
      features: [catalogModuleKeycloakGroupPaths],
    });
    expect(setGroupTransformer).toHaveBeenCalledWith(
      keycloakGroupPathTransformer,
    );
  });
});
