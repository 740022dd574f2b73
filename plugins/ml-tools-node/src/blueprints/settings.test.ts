import { z } from 'zod';
import {
  checkToolSettings,
  createBlueprintContext,
  toolSettings,
} from './context';
import { mlflowBlueprint } from './mlflow';
import type { AnyToolBlueprint } from './types';

/** A tool whose platform team lists the images users may pick. */
const notebooks: AnyToolBlueprint = {
  ...mlflowBlueprint,
  id: 'notebooks',
  settings: z
    .object({
      images: z
        .array(z.string().regex(/:[^:/]+$/, 'must name a tag'))
        .min(1)
        .default(['quay.io/jupyter/scipy-notebook:2025-06-30']),
      maxStorage: z.string().default('50Gi'),
    })
    .strict(),
};

const config = {
  baseDomain: 'ml.example.com',
  ingressScheme: 'https' as const,
  keycloak: {
    baseUrl: 'https://sso.example.com',
    realm: 'ml',
    authRealm: 'ml',
    clientId: 'backstage',
    clientSecret: 'x',
    consoleBaseUrl: 'https://sso.example.com',
    requestTimeoutMs: 1000,
  },
};

describe('tool settings (mlTools.tools.<id>)', () => {
  it('are parsed with their defaults and reach the blueprint as ctx.settings', () => {
    const ctx = createBlueprintContext(
      { ...config, tools: { notebooks: { images: ['r.io/nb:1'] } } },
      {
        blueprint: notebooks,
        instance: { cluster: 'c', namespace: 'ml-a', name: 'nb' },
        owner: 'group:default/vision',
        params: {},
        roleMappings: {},
      },
    );
    expect(ctx.settings).toEqual({ images: ['r.io/nb:1'], maxStorage: '50Gi' });
    expect(toolSettings(notebooks)).toEqual({
      images: ['quay.io/jupyter/scipy-notebook:2025-06-30'],
      maxStorage: '50Gi',
    });
    expect(toolSettings(mlflowBlueprint, {})).toEqual({});
  });

  it('are refused naming the config key and the rule, never the value', () => {
    expect(() =>
      toolSettings(notebooks, { notebooks: { images: ['secret-image'] } }),
    ).toThrow(
      'Invalid config: mlTools.tools.notebooks.images[0] must name a tag',
    );
    expect(() =>
      toolSettings(notebooks, { notebooks: { imagez: ['a:1'] } }),
    ).toThrow(/mlTools\.tools\.notebooks .*imagez/);
    expect(() =>
      toolSettings(mlflowBlueprint, { mlflow: { anything: true } }),
    ).toThrow(
      'Invalid config: mlTools.tools.mlflow is set, but blueprint "mlflow" takes no settings',
    );
  });

  it('may not name a blueprint nobody registered (a typo would be ignored)', () => {
    expect(() =>
      checkToolSettings({ notebok: {} }, [mlflowBlueprint, notebooks]),
    ).toThrow(
      'Invalid config: mlTools.tools.notebok names no known blueprint; known: mlflow, notebooks',
    );
    expect(() =>
      checkToolSettings({ notebooks: {} }, [mlflowBlueprint, notebooks]),
    ).not.toThrow();
  });
});
