import {
  chartUses,
  leafPaths,
  openMapsOfSchema,
  unusedValuePaths,
  type ChartPathData,
} from './valuePaths';

const subchart: ChartPathData = {
  name: 'store',
  version: '2.0.0',
  defaults: { persistence: { size: '8Gi' }, podLabels: {} },
  templatePaths: ['persistence.size', 'podLabels'],
  dependencies: [],
};

const chart: ChartPathData = {
  name: 'tool',
  version: '1.2.3',
  defaults: {
    replicaCount: 1,
    podLabels: {},
    extraArgs: [],
    livenessProbe: { periodSeconds: 30 },
    auth: { enabled: false, existingSecret: { name: '' } },
    sidecar: { enabled: false, image: 'x' },
    store: { enabled: false },
    global: {},
  },
  templatePaths: [
    'replicaCount',
    'podLabels',
    'extraArgs',
    'livenessProbe',
    'auth.enabled',
    'auth.existingSecret.name',
    'sidecar',
    'sidecar.enabled',
    'sidecar.image',
    'extraEnv',
    'store.enabled',
  ],
  dependencies: [
    { name: 'store', data: subchart },
    { name: 'cache', alias: 'redis' },
  ],
};

describe('leafPaths', () => {
  it('stops at scalars, lists and empty maps', () => {
    expect(
      leafPaths({ a: { b: 1, c: [1, { d: 2 }], e: {} }, f: null }),
    ).toEqual([['a', 'b'], ['a', 'c'], ['a', 'e'], ['f']]);
  });
});

describe('chartUses', () => {
  it('accepts what the defaults define or the templates read', () => {
    expect(chartUses(chart, ['replicaCount'])).toBe(true);
    expect(chartUses(chart, ['auth', 'existingSecret', 'name'])).toBe(true);
    expect(chartUses(chart, ['extraEnv'])).toBe(true);
  });

  it('accepts anything under a free-form map: an empty default, a list, or a key read whole', () => {
    expect(chartUses(chart, ['podLabels', 'team'])).toBe(true);
    expect(chartUses(chart, ['extraEnv', 'FOO'])).toBe(true);
    // Structured default, but no template reads below it: handed on whole (toYaml).
    expect(chartUses(chart, ['livenessProbe', 'timeoutSeconds'])).toBe(true);
  });

  it('refuses a key the chart gives a structure and reads key by key', () => {
    expect(chartUses(chart, ['auth', 'existingSecret', 'nmae'])).toBe(false);
    expect(chartUses(chart, ['auth', 'postgres', 'host'])).toBe(false);
    // `sidecar` is read (an `if`), but so are its keys: not free-form.
    expect(chartUses(chart, ['sidecar', 'tag'])).toBe(false);
    expect(chartUses(chart, ['replicas'])).toBe(false);
  });
});

describe('open maps of a schema', () => {
  it('takes any key under a map the schema leaves open, and still refuses beside it', () => {
    const open = openMapsOfSchema({
      type: 'object',
      properties: {
        hub: {
          type: 'object',
          properties: {
            config: {
              type: 'object',
              patternProperties: { '^[A-Z].*$': { type: 'object' } },
            },
            image: { type: 'object', properties: { tag: { type: 'string' } } },
          },
        },
      },
    });
    expect(open).toEqual(['hub.config']);
    const withHub: ChartPathData = {
      name: 'hubby',
      version: '1.0.0',
      defaults: {
        hub: { config: { Server: { mode: 'x' } }, image: { tag: '' } },
      },
      templatePaths: ['hub.image.tag'],
      openMaps: open,
      dependencies: [],
    };
    expect(chartUses(withHub, ['hub', 'config', 'Client', 'url'])).toBe(true);
    expect(
      chartUses({ ...withHub, openMaps: [] }, [
        'hub',
        'config',
        'Client',
        'url',
      ]),
    ).toBe(false);
    expect(chartUses(withHub, ['hub', 'image', 'digest'])).toBe(false);
  });
});

describe('unusedValuePaths', () => {
  it('names every setting that does nothing, with the chart it was checked against', () => {
    const { unused, unchecked } = unusedValuePaths(chart, {
      replicaCount: 2,
      podLabels: { team: 'a' },
      auth: { enabled: true, existingSecret: { name: 's', passwordKey: 'p' } },
      store: { enabled: true, persistence: { size: '1Gi', sise: '2Gi' } },
      redis: { enabled: true, anything: { goes: 1 } },
      minio: { enabled: true, persistence: { size: '1Gi' } },
    });
    expect(unused).toEqual([
      {
        chart: 'tool',
        version: '1.2.3',
        path: 'auth.existingSecret.passwordKey',
      },
      { chart: 'store', version: '2.0.0', path: 'store.persistence.sise' },
      // Nothing under `minio` is used: named once.
      { chart: 'tool', version: '1.2.3', path: 'minio' },
    ]);
    // A subchart without contract data cannot be judged.
    expect(unchecked).toEqual(['redis.enabled', 'redis.anything.goes']);
  });

  it('lets globals through when a subchart uses them', () => {
    const withGlobal: ChartPathData = {
      ...chart,
      defaults: { ...chart.defaults, global: { storageClass: '' } },
    };
    expect(
      unusedValuePaths(withGlobal, {
        global: { storageClass: 'fast', imageRegistry: 'r' },
      }).unused,
    ).toEqual([
      { chart: 'tool', version: '1.2.3', path: 'global.imageRegistry' },
    ]);
  });
});
