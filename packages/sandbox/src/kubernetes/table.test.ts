import { evalJsonPath, humanDuration, tableVersion } from './table';

describe('tableVersion', () => {
  it('reads the Table version kubectl asks for, and nothing from plain JSON', () => {
    expect(
      tableVersion(
        'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
      ),
    ).toBe('v1');
    expect(
      tableVersion('application/json;as=Table;v=v1beta1;g=meta.k8s.io'),
    ).toBe('v1beta1');
    expect(tableVersion('application/json')).toBeUndefined();
    expect(
      tableVersion('application/json;as=Table;v=v2;g=meta.k8s.io'),
    ).toBeUndefined();
  });
});

describe('humanDuration', () => {
  it.each([
    [5_000, '5s'],
    [119_000, '119s'],
    [200_000, '3m20s'],
    [240_000, '4m'],
    [45 * 60_000, '45m'],
    [(5 * 60 + 3) * 60_000, '5h3m'],
    [20 * 3600_000, '20h'],
    [(3 * 24 + 4) * 3600_000, '3d4h'],
    [40 * 24 * 3600_000, '40d'],
  ])('%d ms → %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe('evalJsonPath', () => {
  const obj = {
    spec: { size: 3, items: [{ n: 'a' }, { n: 'b' }] },
    status: {
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'Stalled', status: 'False' },
      ],
    },
  };
  it('follows fields, indexes, wildcards and equality filters', () => {
    expect(evalJsonPath(obj, '.spec.size')).toEqual([3]);
    expect(evalJsonPath(obj, '.spec.items[1].n')).toEqual(['b']);
    expect(evalJsonPath(obj, '.spec.items[*].n')).toEqual(['a', 'b']);
    expect(
      evalJsonPath(obj, '.status.conditions[?(@.type=="Ready")].status'),
    ).toEqual(['True']);
    expect(evalJsonPath(obj, '.status.missing')).toEqual([]);
  });
});
