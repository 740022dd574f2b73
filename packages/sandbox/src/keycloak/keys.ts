import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
  type JsonWebKeyInput,
  type KeyObject,
} from 'node:crypto';
import type { SigningKeyState } from './model';

/** A decoded, signature-checked token. */
export interface VerifiedToken {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

function b64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

/**
 * The realm signing material: an RS256 key pair for access and ID tokens (published in the
 * JWKS) and an HMAC secret for refresh tokens, which Keycloak signs HS512 because nobody
 * but the server ever reads them.
 */
export class SigningKeys {
  readonly state: SigningKeyState;
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private readonly hmac: Buffer;
  private readonly publicJwk: Record<string, unknown>;

  constructor(state: SigningKeyState) {
    this.state = state;
    this.privateKey = createPrivateKey({
      key: state.privateJwk as JsonWebKeyInput['key'],
      format: 'jwk',
    });
    this.publicKey = createPublicKey(this.privateKey);
    this.hmac = Buffer.from(state.hmacSecret, 'base64url');
    const jwk = this.publicKey.export({ format: 'jwk' }) as Record<
      string,
      unknown
    >;
    // Field order as Keycloak publishes it.
    this.publicJwk = {
      kid: state.kid,
      kty: 'RSA',
      alg: 'RS256',
      use: 'sig',
      n: jwk.n,
      e: jwk.e,
    };
  }

  /** Fresh key material, generated once per simulator and kept in its snapshot. */
  static generate(): SigningKeyState {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return {
      kid: randomBytes(16).toString('base64url'),
      privateJwk: privateKey.export({ format: 'jwk' }) as Record<
        string,
        unknown
      >,
      hmacSecret: randomBytes(64).toString('base64url'),
    };
  }

  jwks(): { keys: Record<string, unknown>[] } {
    return { keys: [this.publicJwk] };
  }

  /** The realm public key as Keycloak's realm descriptor shows it (base64 DER, no PEM armour). */
  publicKeyDer(): string {
    return this.publicKey
      .export({ format: 'der', type: 'spki' })
      .toString('base64');
  }

  signRs256(claims: Record<string, unknown>): string {
    const header = b64url(
      JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: this.state.kid }),
    );
    const payload = b64url(JSON.stringify(claims));
    const signature = sign(
      'RSA-SHA256',
      Buffer.from(`${header}.${payload}`),
      this.privateKey,
    );
    return `${header}.${payload}.${b64url(signature)}`;
  }

  signHs512(claims: Record<string, unknown>): string {
    const header = b64url(
      JSON.stringify({ alg: 'HS512', typ: 'JWT', kid: `${this.state.kid}-hs` }),
    );
    const payload = b64url(JSON.stringify(claims));
    const signature = createHmac('sha512', this.hmac)
      .update(`${header}.${payload}`)
      .digest();
    return `${header}.${payload}.${b64url(signature)}`;
  }

  /** Checks the signature of a token this simulator issued; undefined when it does not hold. */
  verify(token: string): VerifiedToken | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [h, p, s] = parts;
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (!header || typeof claims !== 'object' || claims === null)
      return undefined;
    const signed = Buffer.from(`${h}.${p}`);
    const signature = Buffer.from(s, 'base64url');
    if (header.alg === 'RS256') {
      if (!verify('RSA-SHA256', signed, this.publicKey, signature))
        return undefined;
    } else if (header.alg === 'HS512') {
      const expected = createHmac('sha512', this.hmac).update(signed).digest();
      if (
        expected.length !== signature.length ||
        !timingSafeEqual(expected, signature)
      ) {
        return undefined;
      }
    } else {
      return undefined;
    }
    return { header, claims };
  }
}
