import { startHarness, writesSince } from '../__testUtils__/harness';

jest.setTimeout(60_000);

const input = {
  namespace: 'ml-vision',
  name: 'airflow-a',
  tool: 'airflow',
  owner: 'group:default/vision',
  secrets: [
    { key: 'fernet-key', generate: 'fernet' },
    { key: 'webserver-secret-key', generate: 'hex', length: 16 },
    { key: 'username', value: 'airflow' },
  ],
};

describe('ml-tools:secrets:ensure', () => {
  let h: Awaited<ReturnType<typeof startHarness>>;
  beforeAll(async () => {
    h = await startHarness();
    h.cluster.simulator.apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'ml-vision' },
    });
  });
  afterAll(() => h.stop());

  const read = () =>
    h.cluster.simulator.get('v1', 'Secret', 'airflow-a-secrets', 'ml-vision')
      ?.data as Record<string, string> | undefined;

  it('generates values once and keeps them on re-runs', async () => {
    const first = await h.run('ml-tools:secrets:ensure', input);
    expect(first.error).toBeUndefined();
    expect(first.outputs).toEqual({
      secretName: 'airflow-a-secrets',
      keys: ['fernet-key', 'username', 'webserver-secret-key'],
    });
    const data = read()!;
    const fernet = Buffer.from(
      Buffer.from(data['fernet-key'], 'base64').toString(),
      'base64url',
    );
    expect(fernet).toHaveLength(32);
    expect(
      Buffer.from(data['webserver-secret-key'], 'base64').toString(),
    ).toMatch(/^[0-9a-f]{32}$/);

    const mark = h.sandbox.log.mark();
    const again = await h.run('ml-tools:secrets:ensure', input);
    expect(again.outputs).toEqual(first.outputs);
    expect(read()).toEqual(data);
    expect(writesSince(h.sandbox, 'kubernetes', mark)).toEqual([]);
  });

  it('adds a new key without touching the existing ones', async () => {
    const before = read()!;
    const result = await h.run('ml-tools:secrets:ensure', {
      ...input,
      secrets: [
        ...input.secrets,
        { key: 'extra', generate: 'alphanumeric', length: 12 },
      ],
    });
    expect(result.error).toBeUndefined();
    const after = read()!;
    expect(after).toMatchObject(before);
    expect(Buffer.from(after.extra, 'base64').toString()).toMatch(
      /^[A-Za-z0-9]{12}$/,
    );
  });

  it('refuses a Secret of another instance', async () => {
    const result = await h.run('ml-tools:secrets:ensure', {
      ...input,
      name: 'other',
      secretName: 'airflow-a-secrets',
    });
    expect(result.error?.name).toBe('ConflictError');
    expect(result.error?.message).toMatch(/belongs to instance "airflow-a"/);
  });

  it('refuses an entry with both or neither of generate and value', async () => {
    const result = await h.run('ml-tools:secrets:ensure', {
      ...input,
      secrets: [{ key: 'x' }],
    });
    expect(result.error?.message).toMatch(
      /input\.secrets\[0\] needs exactly one of generate or value/,
    );
  });
});
