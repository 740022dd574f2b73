import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSecret, sshPublicKeyOf } from './secrets';

function hasSshKeygen(): boolean {
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
    return true;
  } catch (e: any) {
    // ssh-keygen -? prints usage and exits non-zero; only a missing binary is ENOENT.
    return e?.code !== 'ENOENT';
  }
}

describe('ssh-ed25519 generator', () => {
  it('makes an unencrypted OpenSSH private key, a new one each time', () => {
    const a = generateSecret({ kind: 'ssh-ed25519' });
    const b = generateSecret({ kind: 'ssh-ed25519' });
    expect(a).toMatch(
      /^-----BEGIN OPENSSH PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+\n-----END OPENSSH PRIVATE KEY-----\n$/,
    );
    expect(a).not.toBe(b);
  });

  it('gives an authorized_keys line that holds nothing of the private key', () => {
    const key = generateSecret({ kind: 'ssh-ed25519' });
    const line = sshPublicKeyOf(key, 'airflow dags');
    expect(line).toMatch(
      /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]+=* airflow-dags$/,
    );
    // The blob is the key type and the 32-byte public key, and nothing else.
    const blob = Buffer.from(line.split(' ')[1], 'base64');
    expect(blob.length).toBe(4 + 'ssh-ed25519'.length + 4 + 32);
    expect(sshPublicKeyOf(key, 'other')).toBe(
      line.replace(/airflow-dags$/, 'other'),
    );
  });

  it('refuses what is not an Ed25519 OpenSSH key, or a damaged pair', () => {
    expect(() => sshPublicKeyOf('hello', 'x')).toThrow(
      /not an OpenSSH private key/,
    );
    const key = generateSecret({ kind: 'ssh-ed25519' });
    const lines = key.split('\n');
    // Flip bytes inside the private part (the last base64 lines before the footer).
    const damaged = lines.map((l, i) =>
      i === lines.length - 4
        ? l.replace(/[A-Za-z]/g, c => (c === 'A' ? 'B' : 'A'))
        : l,
    );
    expect(() => sshPublicKeyOf(damaged.join('\n'), 'x')).toThrow();
  });

  const withKeygen = hasSshKeygen() ? it : it.skip;
  withKeygen('is read by OpenSSH, which derives the same public key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssh-'));
    try {
      const key = generateSecret({ kind: 'ssh-ed25519' });
      writeFileSync(join(dir, 'id'), key, { mode: 0o600 });
      const derived = execFileSync(
        'ssh-keygen',
        ['-y', '-f', join(dir, 'id')],
        {
          encoding: 'utf8',
        },
      ).trim();
      // eslint-disable-next-line jest/no-standalone-expect
      expect(sshPublicKeyOf(key, '')).toBe(
        derived.split(' ').slice(0, 2).join(' '),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
