import { randomBytes, randomInt } from 'node:crypto';
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
