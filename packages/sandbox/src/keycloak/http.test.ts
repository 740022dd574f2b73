import { compareSpecificity, Router } from './http';

describe('Router', () => {
  const routerWith = (...patterns: string[]) => {
    const router = new Router<string, undefined>();
    for (const p of patterns) router.add('GET', p, p, () => ({ status: 200 }));
    return router;
  };
  const matched = (router: Router<string, undefined>, path: string) => {
    const m = router.match('GET', path.split('/').filter(Boolean));
    return m.kind === 'found' ? m.route.meta : m.kind;
  };

  it('prefers a literal segment to a parameter whatever the registration order', () => {
    for (const order of [
      ['/users/:id', '/users/profile'],
      ['/users/profile', '/users/:id'],
    ]) {
      const router = routerWith(...order);
      expect(matched(router, '/users/profile')).toBe('/users/profile');
      expect(matched(router, '/users/42')).toBe('/users/:id');
    }
  });

  it('decides at the first position where the routes differ in kind', () => {
    const router = routerWith('/a/:x/c', '/a/b/:y');
    expect(matched(router, '/a/b/c')).toBe('/a/b/:y');
    expect(matched(router, '/a/z/c')).toBe('/a/:x/c');
    expect(compareSpecificity(['a', ':x'], ['a', 'b'])).toBeGreaterThan(0);
    expect(compareSpecificity(['a', 'b'], ['a', 'c'])).toBe(0);
  });

  it('tries longer prefixes before shorter ones', () => {
    const router = routerWith('/files/*rest', '/files/special/*rest');
    expect(matched(router, '/files/special/x')).toBe('/files/special/*rest');
    expect(matched(router, '/files/other/x')).toBe('/files/*rest');
  });
});
