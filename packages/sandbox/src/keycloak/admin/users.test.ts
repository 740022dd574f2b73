import { RealmStore } from '../realmStore';
import { attributeMatches } from './users';

describe('attributeMatches (q=key:value)', () => {
  const realm = RealmStore.create('r');
  const user = realm.createUser({
    username: 'ann',
    email: 'Ann@Example.org',
    attributes: { team: ['Vision', 'nlp'] },
  });

  it('searches the built-in fields by case-insensitive substring', () => {
    expect(attributeMatches(user, 'email', 'ann@example')).toBe(true);
    expect(attributeMatches(user, 'username', 'AN')).toBe(true);
    expect(attributeMatches(user, 'firstName', 'a')).toBe(false);
  });

  it('matches other attributes by whole value, ignoring case', () => {
    expect(attributeMatches(user, 'team', 'vision')).toBe(true);
    expect(attributeMatches(user, 'team', 'visio')).toBe(false);
    expect(attributeMatches(user, 'missing', 'x')).toBe(false);
  });
});
