import { MlToolsAccessRelationsProcessor } from './MlToolsAccessRelationsProcessor';

describe('MlToolsAccessRelationsProcessor', () => {
  const location = { type: 'ml-tools', target: 'cluster/east' };

  it('relates an instance to the Groups of its role mappings, both ways', async () => {
    const emit = jest.fn();
    await new MlToolsAccessRelationsProcessor().postProcessEntity(
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: {
          name: 'east-ml-a-mlflow-a',
          annotations: {
            'ml-platform.io/instance': 'east/ml-a/mlflow-a',
            'ml-platform.io/role-mappings': JSON.stringify({
              EDIT: ['/data-scientists/vision'],
              READ: ['/data-scientists/vision', '/everyone'],
            }),
          },
        },
      },
      location,
      emit,
    );
    const relations = emit.mock.calls.map(([r]) => [
      `${r.relation.source.kind}:${r.relation.source.name}`,
      r.relation.type,
      `${r.relation.target.kind}:${r.relation.target.name}`,
    ]);
    expect(relations).toEqual([
      ['Component:east-ml-a-mlflow-a', 'accessGrantedTo', 'group:vision'],
      ['group:vision', 'hasAccessTo', 'Component:east-ml-a-mlflow-a'],
      ['Component:east-ml-a-mlflow-a', 'accessGrantedTo', 'group:everyone'],
      ['group:everyone', 'hasAccessTo', 'Component:east-ml-a-mlflow-a'],
    ]);
  });

  it('leaves other entities alone', async () => {
    const emit = jest.fn();
    await new MlToolsAccessRelationsProcessor().postProcessEntity(
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: {
          name: 'x',
          annotations: { 'ml-platform.io/role-mappings': '{"A":["/g"]}' },
        },
      },
      location,
      emit,
    );
    expect(emit).not.toHaveBeenCalled();
  });
});
