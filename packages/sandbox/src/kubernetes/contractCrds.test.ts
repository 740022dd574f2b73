import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../sandbox';
import { readContractCrds } from './contractCrds';

function contracts(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'contracts-'));
  mkdirSync(join(dir, 'crds'));
  mkdirSync(join(dir, 'charts'));
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, 'crds', name), text);
  }
  return dir;
}

const PROFILE_CRD = `# source: test
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: profiles.kubeflow.org
spec:
  group: kubeflow.org
  names: { kind: Profile, listKind: ProfileList, plural: profiles, singular: profile }
  scope: Cluster
  versions:
    - name: v1
      served: true
      storage: true
      subresources: { status: {} }
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                owner:
                  type: object
                  required: [kind, name]
                  properties:
                    kind: { type: string }
                    name: { type: string }
`;

describe('CRDs from the contracts', () => {
  it('takes the CRDs that carry a schema and says which files hold none', () => {
    const dir = contracts({
      'kubeflow.org_profiles.yaml': '# source: only a comment line\n',
      'example.org_widgets.yaml': PROFILE_CRD.replace(
        /kubeflow\.org/g,
        'example.org',
      ),
    });
    const read = readContractCrds(dir);
    expect(read.crds.map(c => c.metadata.name)).toEqual([
      'profiles.example.org',
    ]);
    expect(read.notes).toEqual([
      expect.stringMatching(
        /^kubeflow\.org_profiles\.yaml: the contract holds no CustomResourceDefinition with a schema; profiles\.kubeflow\.org stays installed with an open schema/,
      ),
    ]);
  });

  it('validates profiles against the contract schema when there is one, and keeps them open (saying so) when not', async () => {
    const withSchema = await startSandbox({
      contractsDir: contracts({ 'kubeflow.org_profiles.yaml': PROFILE_CRD }),
    });
    const without = await startSandbox({
      contractsDir: contracts({ 'kubeflow.org_profiles.yaml': '# comment\n' }),
    });
    try {
      const profile = {
        apiVersion: 'kubeflow.org/v1',
        kind: 'Profile',
        metadata: { name: 'p' },
        spec: { owner: { name: 'a@example.com' }, colour: 'blue' },
      };
      expect(withSchema.crdNotes).toEqual([]);
      expect(() =>
        withSchema.clusters[0].simulator.apply(structuredClone(profile)),
      ).toThrow(/spec\.owner\.kind/);
      expect(without.crdNotes).toHaveLength(1);
      without.clusters[0].simulator.apply(structuredClone(profile));
      expect(
        without.clusters[0].simulator.get('kubeflow.org/v1', 'Profile', 'p')!
          .spec,
      ).toMatchObject({ colour: 'blue' });
    } finally {
      await withSchema.stop();
      await without.stop();
    }
  });
});
