import { Cluster } from './cluster';
import { answerOpenApi, openApiV3GroupVersion } from './openapi';

describe('OpenAPI documents', () => {
  const cluster = new Cluster();
  cluster.bootstrap();

  it('describes a Deployment with the list keys strategic merge patch needs', () => {
    const doc: any = openApiV3GroupVersion(
      cluster.registry,
      cluster.store,
      'apps/v1',
    );
    const schema = doc.components.schemas['io.k8s.api.apps.v1.Deployment'];
    expect(schema['x-kubernetes-group-version-kind']).toEqual([
      { group: 'apps', version: 'v1', kind: 'Deployment' },
    ]);
    const podSpec = schema.properties.spec.properties.template.properties.spec;
    expect(podSpec.properties.containers).toMatchObject({
      type: 'array',
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
    });
    expect(podSpec.properties.containers.items.properties.ports).toMatchObject({
      'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
    });
  });

  it('publishes a custom kind with its CRD schema and no strategic merge patch', () => {
    cluster.ensure(
      {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'things.example.com' },
        spec: {
          group: 'example.com',
          scope: 'Namespaced',
          names: { plural: 'things', kind: 'Thing' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object',
                      properties: { n: { type: 'integer' } },
                    },
                  },
                },
              },
            },
          ],
        },
      },
      'test',
    );
    const doc: any = openApiV3GroupVersion(
      cluster.registry,
      cluster.store,
      'example.com/v1',
    );
    expect(
      doc.components.schemas['com.example.v1.Thing'].properties.spec,
    ).toEqual({
      type: 'object',
      properties: { n: { type: 'integer' } },
    });
    const patch =
      doc.paths['/apis/example.com/v1/namespaces/{namespace}/things/{name}']
        .patch;
    expect(Object.keys(patch.requestBody.content)).not.toContain(
      'application/strategic-merge-patch+json',
    );
  });

  it('answers JSON, the v2 document in protobuf to who asks, 406 to other media types, 404 for an unknown group', () => {
    const v2 = answerOpenApi(
      '/openapi/v2',
      'application/json',
      cluster.registry,
      cluster.store,
    );
    expect(v2?.code).toBe(200);
    expect(
      (v2?.body as any).definitions['io.k8s.api.core.v1.Pod'],
    ).toBeDefined();
    const proto = answerOpenApi(
      '/openapi/v2',
      'application/com.github.proto-openapi.spec.v2@v1.0+protobuf',
      cluster.registry,
      cluster.store,
    );
    expect(proto?.raw?.contentType).toBe('application/octet-stream');
    expect(proto?.raw?.data.length).toBeGreaterThan(1000);
    expect(
      answerOpenApi('/openapi/v3', 'text/html', cluster.registry, cluster.store)
        ?.code,
    ).toBe(406);
    expect(
      answerOpenApi(
        '/openapi/v3/apis/nope.io/v1',
        '',
        cluster.registry,
        cluster.store,
      )?.code,
    ).toBe(404);
    expect(
      answerOpenApi('/api/v1', '', cluster.registry, cluster.store),
    ).toBeUndefined();
  });
});
