import { indexClientRoleGroups, roleMappingDrift } from './roleMappingDrift';

describe('roleMappingDrift', () => {
  const live = indexClientRoleGroups([
    { path: '/team', clientRoles: { board: ['viewer'], other: ['admin'] } },
    { path: '/team/sub', clientRoles: { board: ['viewer', 'admin'] } },
    { path: '/elsewhere', clientRoles: {} },
  ]);

  it('finds nothing when Keycloak holds what the deploy recorded', () => {
    expect(
      roleMappingDrift(
        'board',
        { viewer: ['/team', '/team/sub'], admin: ['/team/sub'] },
        live,
      ),
    ).toEqual([]);
  });

  it('names groups granted a role by hand, and recorded groups that lost one', () => {
    const reasons = roleMappingDrift(
      'board',
      { viewer: ['/team', '/elsewhere'] },
      live,
    );
    expect(reasons.map(r => r.roleMapping)).toEqual([
      { role: 'admin', group: '/team/sub', change: 'added' },
      { role: 'viewer', group: '/team/sub', change: 'added' },
      { role: 'viewer', group: '/elsewhere', change: 'removed' },
    ]);
    expect(reasons.every(r => r.kind === 'role-mapping-changed')).toBe(true);
    expect(reasons[2].message).toContain('/elsewhere lost role viewer');
  });

  it('reads only the instance client’s roles', () => {
    expect(roleMappingDrift('other', { admin: ['/team'] }, live)).toEqual([]);
    expect(roleMappingDrift('absent', {}, live)).toEqual([]);
  });
});
