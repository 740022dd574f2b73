import { X509Certificate } from 'node:crypto';
import { createSelfSignedCertificate } from './tls';

describe('createSelfSignedCertificate', () => {
  it('produces a CA certificate for the given hosts, signed by its own key', () => {
    const { cert, key } = createSelfSignedCertificate({
      hosts: ['127.0.0.1', 'localhost', '::1'],
    });
    const x509 = new X509Certificate(cert);
    expect(x509.ca).toBe(true);
    expect(x509.subjectAltName).toBe(
      'IP Address:127.0.0.1, DNS:localhost, IP Address:0:0:0:0:0:0:0:1',
    );
    expect(x509.checkHost('localhost')).toBe('localhost');
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(key).toContain('PRIVATE KEY');
  });
});
