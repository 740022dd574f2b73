import { decodeProtobufBody } from './protobuf';

/** Minimal protobuf writer for the tests: varints and length-delimited fields. */
function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}
const bytes = (num: number, value: Buffer) =>
  Buffer.concat([varint((num << 3) | 2), varint(value.length), value]);
const str = (num: number, s: string) => bytes(num, Buffer.from(s, 'utf8'));
const int = (num: number, n: number) =>
  Buffer.concat([varint(num << 3), varint(n)]);
const entry = (num: number, k: string, v: string | Buffer) =>
  bytes(num, Buffer.concat([str(1, k), bytes(2, Buffer.from(v))]));

function envelope(apiVersion: string, kind: string, raw: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from('k8s\u0000', 'latin1'),
    bytes(1, Buffer.concat([str(1, apiVersion), str(2, kind)])),
    bytes(2, raw),
  ]);
}

describe('decodeProtobufBody', () => {
  it('decodes a Secret as Helm writes its release: labels, type and binary data', () => {
    const meta = Buffer.concat([
      str(1, 'sh.helm.release.v1.demo.v1'),
      str(2, ''), // zero values the Go encoder always writes are dropped
      str(3, 'default'),
      bytes(8, int(1, 0)), // the zero creationTimestamp
      entry(11, 'owner', 'helm'),
      entry(11, 'status', 'deployed'),
    ]);
    const payload = Buffer.from([0, 1, 2, 250]);
    const raw = Buffer.concat([
      bytes(1, meta),
      entry(2, 'release', payload),
      str(3, 'helm.sh/release.v1'),
    ]);
    expect(decodeProtobufBody(envelope('v1', 'Secret', raw))).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'sh.helm.release.v1.demo.v1',
        namespace: 'default',
        labels: { owner: 'helm', status: 'deployed' },
      },
      data: { release: payload.toString('base64') },
      type: 'helm.sh/release.v1',
    });
  });

  it('decodes a Deployment with its pod template, keeping replicas 0', () => {
    const container = Buffer.concat([
      str(1, 'web'),
      str(2, 'nginx:1.27'),
      bytes(6, Buffer.concat([int(3, 80), str(4, 'TCP')])),
    ]);
    const template = Buffer.concat([
      bytes(1, entry(11, 'app', 'web')),
      bytes(2, bytes(2, container)),
    ]);
    const spec = Buffer.concat([
      int(1, 0),
      bytes(2, entry(1, 'app', 'web')),
      bytes(3, template),
    ]);
    const raw = Buffer.concat([
      bytes(1, str(1, 'web')),
      bytes(2, spec),
      bytes(3, int(1, 0)), // status: dropped
    ]);
    expect(decodeProtobufBody(envelope('apps/v1', 'Deployment', raw))).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'web',
                image: 'nginx:1.27',
                ports: [{ containerPort: 80, protocol: 'TCP' }],
              },
            ],
          },
        },
      },
    });
  });

  it('decodes DeleteOptions (typed deletes send them as protobuf)', () => {
    const raw = Buffer.concat([str(4, 'Foreground'), str(5, 'All')]);
    expect(
      decodeProtobufBody(envelope('meta.k8s.io/v1', 'DeleteOptions', raw)),
    ).toEqual({
      apiVersion: 'meta.k8s.io/v1',
      kind: 'DeleteOptions',
      propagationPolicy: 'Foreground',
      dryRun: ['All'],
    });
  });

  it('refuses with 415 a kind without a table, a field it does not know, and a bare body', () => {
    const refused = (body: Buffer) => {
      try {
        decodeProtobufBody(body);
      } catch (e) {
        return e as { code: number; message: string };
      }
      throw new Error('expected a refusal');
    };
    const pod = refused(envelope('v1', 'Pod', bytes(1, str(1, 'p'))));
    expect(pod.code).toBe(415);
    expect(pod.message).toContain('v1/Pod');
    expect(pod.message).toContain('application/json');
    const unknownField = refused(
      envelope(
        'v1',
        'ConfigMap',
        Buffer.concat([bytes(1, str(1, 'c')), str(9, 'x')]),
      ),
    );
    expect(unknownField.message).toContain('ConfigMap field 9');
    expect(refused(Buffer.from('{"kind":"ConfigMap"}')).code).toBe(415);
  });
});
