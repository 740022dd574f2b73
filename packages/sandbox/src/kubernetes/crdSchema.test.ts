import { checkCustomResource } from './crdSchema';

const schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['url'],
      properties: {
        url: { type: 'string', pattern: '^(http|https|oci)://.*$' },
        name: { type: 'string', maxLength: 5, minLength: 1 },
        kind: { type: 'string', enum: ['A', 'B'] },
        replicas: { type: 'integer', minimum: 0 },
        port: { 'x-kubernetes-int-or-string': true },
        values: { 'x-kubernetes-preserve-unknown-fields': true },
        items: { type: 'array', maxItems: 1, items: { type: 'string' } },
      },
    },
  },
};

describe('checkCustomResource', () => {
  it('reports every refused field with its path, as the API server does', () => {
    const obj = {
      apiVersion: 'x/v1',
      kind: 'X',
      metadata: { name: 'a' },
      spec: {
        name: 'toolong',
        kind: 'C',
        replicas: -1,
        port: true,
        items: ['a', 2],
      },
    };
    const fields = checkCustomResource(obj, schema).causes.map(
      c => `${c.field} ${c.reason}`,
    );
    expect(fields).toEqual(
      expect.arrayContaining([
        'spec.url FieldValueRequired',
        'spec.name FieldValueTooLong',
        'spec.kind FieldValueNotSupported',
        'spec.replicas FieldValueInvalid',
        'spec.port FieldValueTypeInvalid',
        'spec.items FieldValueTooMany',
        'spec.items[1] FieldValueTypeInvalid',
      ]),
    );
  });

  it('prunes undeclared fields and nulls, keeping free-form values and metadata', () => {
    const obj: Record<string, any> = {
      apiVersion: 'x/v1',
      kind: 'X',
      metadata: { name: 'a', labels: { l: 'v' } },
      spec: { url: 'oci://r', bogus: 1, name: null, values: { any: { x: 1 } } },
      extra: true,
    };
    const check = checkCustomResource(obj, schema);
    expect(check.unknown.sort()).toEqual(['extra', 'spec.bogus']);
    expect(obj).toEqual({
      apiVersion: 'x/v1',
      kind: 'X',
      metadata: { name: 'a', labels: { l: 'v' } },
      spec: { url: 'oci://r', values: { any: { x: 1 } } },
    });
  });
});
