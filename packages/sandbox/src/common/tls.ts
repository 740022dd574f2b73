import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';

/*
 * A minimal X.509 builder: enough DER to produce one self-signed certificate that serves
 * as its own CA, so HTTPS sandboxes need neither openssl nor a dependency. Only the
 * structures a TLS client checks are emitted: subject/issuer, validity, the EC public
 * key, basic constraints, key usage and subject alternative names.
 */

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const seq = (...c: Buffer[]) => tlv(0x30, ...c);
const set = (...c: Buffer[]) => tlv(0x31, ...c);

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes = [parts[0] * 40 + parts[1]];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [];
    let v = p;
    do {
      chunk.unshift(v & 0x7f);
      v >>= 7;
    } while (v > 0);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i] |= 0x80;
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function integer(bytes: Buffer): Buffer {
  const b = bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
  return tlv(0x02, b);
}

function utcTime(d: Date): Buffer {
  const s = d.toISOString().replace(/[-:T]/g, '').slice(2, 14);
  return tlv(0x17, Buffer.from(`${s}Z`, 'ascii'));
}

function name(commonName: string): Buffer {
  return seq(
    set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(commonName, 'utf8')))),
  );
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(
    oid(id),
    ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []),
    tlv(0x04, value),
  );
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head, tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return Buffer.from(
    groups.flatMap(g => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]),
  );
}

/**
 * A self-signed certificate and its key, in PEM.
 *
 * @public
 */
export interface SelfSignedCertificate {
  cert: string;
  key: string;
}

/**
 * Creates a self-signed ECDSA P-256 certificate valid for the given host names and IP
 * addresses; clients trust it by using the certificate itself as CA data.
 *
 * @public
 */
export function createSelfSignedCertificate(
  options: {
    commonName?: string;
    hosts?: string[];
    days?: number;
  } = {},
): SelfSignedCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
  });
  const hosts = options.hosts ?? ['127.0.0.1', 'localhost'];
  const cn = options.commonName ?? 'ml-platform-sandbox';
  const now = new Date(Date.now() - 60_000);
  const until = new Date(now.getTime() + (options.days ?? 365) * 86_400_000);
  const ecdsaWithSha256 = seq(oid('1.2.840.10045.4.3.2'));
  const san = seq(
    ...hosts.map(h =>
      isIP(h) ? tlv(0x87, ipBytes(h)) : tlv(0x82, Buffer.from(h, 'ascii')),
    ),
  );
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(randomBytes(16)),
    ecdsaWithSha256,
    name(cn),
    seq(utcTime(now), utcTime(until)),
    name(cn),
    publicKey.export({ type: 'spki', format: 'der' }),
    tlv(
      0xa3,
      seq(
        extension('2.5.29.19', true, seq(tlv(0x01, Buffer.from([0xff])))),
        // digitalSignature and keyCertSign: a TLS server key that is also its own CA.
        extension('2.5.29.15', true, tlv(0x03, Buffer.from([0x02, 0x84]))),
        extension('2.5.29.17', false, san),
      ),
    ),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(
    tbs,
    ecdsaWithSha256,
    tlv(0x03, Buffer.concat([Buffer.from([0]), signature])),
  );
  const b64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
