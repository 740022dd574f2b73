import { Cluster } from './cluster';
import { openApiV2 } from './openapi';
import { encodeOpenApiV2 } from './openapiProto';

/** Reads the length-delimited fields of one protobuf message: [field number, bytes]. */
function fields(buf: Buffer): [number, Buffer][] {
  const out: [number, Buffer][] = [];
  let pos = 0;
  const varint = () => {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = buf[pos++];
      result += (b & 0x7f) * mul;
      if (!(b & 0x80)) return result;
      mul *= 128;
    }
  };
  while (pos < buf.length) {
    const tag = varint();
    if ((tag & 7) === 0) {
      varint();
      continue;
    }
    const len = varint();
    out.push([tag >> 3, buf.subarray(pos, pos + len)]);
    pos += len;
  }
  return out;
}
const field = (buf: Buffer, num: number) =>
  fields(buf)
    .filter(([n]) => n === num)
    .map(([, b]) => b);
const text = (buf: Buffer, num: number) => field(buf, num)[0]?.toString('utf8');

describe('encodeOpenApiV2', () => {
  const cluster = new Cluster();
  cluster.bootstrap();
  const doc = encodeOpenApiV2(openApiV2(cluster.registry, cluster.store));

  it('encodes definitions with their group-version-kind extension', () => {
    expect(text(doc, 1)).toBe('2.0');
    const named = field(field(doc, 9)[0], 1);
    const deployment = named.find(
      n => text(n, 1) === 'io.k8s.api.apps.v1.Deployment',
    );
    expect(deployment).toBeDefined();
    const schema = field(deployment!, 2)[0];
    expect(text(field(schema, 22)[0], 1)).toBe('object');
    const ext = field(schema, 31).find(
      e => text(e, 1) === 'x-kubernetes-group-version-kind',
    );
    expect(JSON.parse(text(field(ext!, 2)[0], 2))).toEqual([
      { group: 'apps', version: 'v1', kind: 'Deployment' },
    ]);
  });

  it('encodes the PATCH operation of a kind with its dryRun query parameter (the dry-run check of older kubectl)', () => {
    const paths = field(field(doc, 8)[0], 2);
    const item = paths.find(
      p =>
        text(p, 1) ===
        '/apis/apps/v1/namespaces/{namespace}/deployments/{name}',
    );
    const patch = field(field(item!, 2)[0], 8)[0];
    const names = field(patch, 8).map(p => {
      const nonBody = field(field(p, 1)[0], 2)[0];
      return nonBody
        ? text(field(nonBody, 3)[0] ?? Buffer.alloc(0), 4)
        : 'body';
    });
    expect(names).toEqual(
      expect.arrayContaining(['body', 'dryRun', 'fieldValidation']),
    );
  });
});
