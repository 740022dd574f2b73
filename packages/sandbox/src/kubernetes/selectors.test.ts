import { ApiError } from './errors';
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from './selectors';

describe('label selectors', () => {
  const labels = {
    app: 'web',
    tier: 'frontend',
    'backstage.io/kubernetes-id': 'demo',
  };
  const match = (sel: string, l: Record<string, string> | undefined = labels) =>
    matchesLabels(parseLabelSelector(sel), l);

  it('supports equality in its three spellings', () => {
    expect(match('app=web')).toBe(true);
    expect(match('app==web')).toBe(true);
    expect(match('app!=web')).toBe(false);
    expect(match('app!=api')).toBe(true);
    expect(match('backstage.io/kubernetes-id=demo')).toBe(true);
  });

  it('supports set-based requirements, existence and absence', () => {
    expect(match('tier in (frontend, backend)')).toBe(true);
    expect(match('tier notin (frontend)')).toBe(false);
    expect(match('tier')).toBe(true);
    expect(match('!tier')).toBe(false);
    expect(match('!missing')).toBe(true);
    expect(match('app=web,tier in (frontend),!missing')).toBe(true);
    expect(match('app=web,tier=backend')).toBe(false);
  });

  it('matches absent keys for != and notin, as the API does', () => {
    expect(match('missing!=x')).toBe(true);
    expect(match('missing notin (x)')).toBe(true);
    expect(matchesLabels(parseLabelSelector('app=web'), undefined)).toBe(false);
  });

  it('rejects malformed selectors with a 400', () => {
    for (const bad of ['app=web,', 'a b', 'app in ()', 'app=we b', '-bad=x']) {
      let err: unknown;
      try {
        parseLabelSelector(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe(400);
    }
  });
});

describe('field selectors', () => {
  const obj = {
    metadata: { name: 'a', namespace: 'ns1' },
    status: { phase: 'Running' },
  };

  it('selects on metadata.name and metadata.namespace', () => {
    expect(
      matchesFields(parseFieldSelector('metadata.name=a', '/configmaps'), obj),
    ).toBe(true);
    expect(
      matchesFields(parseFieldSelector('metadata.name!=a', '/configmaps'), obj),
    ).toBe(false);
    expect(
      matchesFields(
        parseFieldSelector(
          'metadata.namespace==ns1,metadata.name=a',
          '/configmaps',
        ),
        obj,
      ),
    ).toBe(true);
  });

  it('knows the extra fields of pods and rejects unknown ones', () => {
    expect(
      matchesFields(parseFieldSelector('status.phase=Running', '/pods'), obj),
    ).toBe(true);
    expect(() =>
      parseFieldSelector('status.phase=Running', '/configmaps'),
    ).toThrow(/field label not supported/);
  });
});
