import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  randomInt,
} from 'node:crypto';
import type { SecretGenerator } from '@ml-platform/plugin-ml-tools-node';

const ALPHANUMERIC =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Generates one secret value with a cryptographic random source. */
export function generateSecret(generator: SecretGenerator): string {
  switch (generator.kind) {
    case 'alphanumeric': {
      const length = generator.length ?? 32;
      let out = '';
      for (let i = 0; i < length; i++)
        out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
      return out;
    }
    case 'hex':
      return randomBytes(generator.bytes ?? 16).toString('hex');
    case 'fernet':
      // Fernet keys are URL-safe base64 of 32 bytes, with padding.
      return randomBytes(32)
        .toString('base64')
        .replace(/\+/g, '-')
        .replace(/\//g, '_');
    case 'ssh-ed25519':
      return generateEd25519OpenSshKey();
    default:
      throw new Error(`Unknown secret generator ${JSON.stringify(generator)}`);
  }
}

/** Base64 of a UTF-8 string, as Secret `data` holds it. */
export function b64(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64');
}

/** Decodes Secret `data`. */
export function unb64(value: string): string {
  return Buffer.from(value, 'base64').toString('utf8');
}

const ED25519 = 'ssh-ed25519';
const OPENSSH_MAGIC = 'openssh-key-v1\0';
const OPENSSH_BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const OPENSSH_END = '-----END OPENSSH PRIVATE KEY-----';

/** An SSH wire-format string: uint32 length, then the bytes. */
function sshString(data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** The public key blob of an Ed25519 key: `string "ssh-ed25519", string key`. */
function ed25519PublicBlob(publicKey: Buffer): Buffer {
  return Buffer.concat([sshString(ED25519), sshString(publicKey)]);
}

/**
 * A new Ed25519 key in the unencrypted OpenSSH private key format (PROTOCOL.key of
 * OpenSSH): the format `ssh-keygen` writes by default, which OpenSSH reads on every
 * version that knows Ed25519 (PKCS#8 PEM Ed25519 keys are not read by older clients).
 */
function generateEd25519OpenSshKey(): string {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const seed = Buffer.from(
    privateKey.export({ format: 'jwk' }).d!,
    'base64url',
  );
  const check = randomBytes(4);
  let secret = Buffer.concat([
    check,
    check,
    sshString(ED25519),
    sshString(pub),
    // OpenSSH stores the 32-byte seed followed by the public key.
    sshString(Buffer.concat([seed, pub])),
    sshString(''),
  ]);
  // Padded with 1, 2, 3... to the cipher block size (8 for "none").
  const padding = (8 - (secret.length % 8)) % 8;
  secret = Buffer.concat([
    secret,
    Buffer.from(Array.from({ length: padding }, (_, i) => i + 1)),
  ]);
  const body = Buffer.concat([
    Buffer.from(OPENSSH_MAGIC, 'binary'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    uint32(1),
    sshString(ed25519PublicBlob(pub)),
    sshString(secret),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g)!;
  return `${OPENSSH_BEGIN}\n${lines.join('\n')}\n${OPENSSH_END}\n`;
}

/** Reads SSH wire-format strings (uint32 length, bytes) one after the other. */
function cursor(data: Buffer, start: number) {
  let offset = start;
  const take = (n: number): Buffer => {
    if (offset + n > data.length) throw new Error('truncated key');
    const out = data.subarray(offset, offset + n);
    offset += n;
    return out;
  };
  const next = () => take(take(4).readUInt32BE(0));
  return Object.assign(next, {
    take,
    skip: (n: number) => {
      take(n);
    },
  });
}

/**
 * The OpenSSH public key line (`ssh-ed25519 AAAA... comment`) of an Ed25519 private key
 * in the OpenSSH format. Checks that the key pair is consistent (the public key derived
 * from the private seed is the one recorded) so that a damaged key is never published.
 */
export function sshPublicKeyOf(privateKey: string, comment: string): string {
  const base64 = privateKey
    .replace(OPENSSH_BEGIN, '')
    .replace(OPENSSH_END, '')
    .replace(/\s+/g, '');
  const body = Buffer.from(base64, 'base64');
  const magic = Buffer.from(OPENSSH_MAGIC, 'binary');
  if (
    !privateKey.includes(OPENSSH_BEGIN) ||
    !body.subarray(0, magic.length).equals(magic)
  ) {
    throw new Error('not an OpenSSH private key');
  }
  const read = cursor(body, magic.length);
  if (read().toString() !== 'none') {
    throw new Error('encrypted keys are not supported');
  }
  read(); // kdf name
  read(); // kdf options
  read.skip(4); // number of keys
  const blob = read();
  const inBlob = cursor(blob, 0);
  if (inBlob().toString() !== ED25519) throw new Error('not an Ed25519 key');
  const pub = inBlob();
  const inSecret = cursor(read(), 0);
  // checkint, checkint (equal when the key is intact), type, public, seed + public
  const checks = inSecret.take(8);
  if (!checks.subarray(0, 4).equals(checks.subarray(4, 8))) {
    throw new Error('the key is damaged');
  }
  inSecret(); // type
  inSecret(); // public key
  const priv = inSecret();
  // PKCS#8 of an Ed25519 seed (RFC 8410): the public key is derived from the seed alone.
  const pkcs8 = Buffer.concat([
    Buffer.from('302e020100300506032b657004220420', 'hex'),
    priv.subarray(0, 32),
  ]);
  const derived = createPublicKey(
    createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }),
  ).export({ format: 'jwk' }).x;
  if (derived !== pub.toString('base64url')) {
    throw new Error('the key pair does not match');
  }
  const line = `${ED25519} ${blob.toString('base64')}`;
  return comment ? `${line} ${comment.replace(/\s+/g, '-')}` : line;
}
