import { InputError } from '@backstage/errors';
import type { JsonObject } from '@backstage/types';
import { contractChart } from './__testUtils__/contracts';
import { formatValuesIssues, validateChartValues } from './validateChartValues';
import type { ChartFiles } from './types';

// The contracts hold postgresql 17.1.0 only, where mlflow pins 18.x (see their README).
const mlflow181 = () =>
  contractChart('mlflow/1.8.1', {
    postgresql: 'postgresql/17.1.0',
    mysql: 'mysql/14.0.5',
  });
const mlflow1115 = () =>
  contractChart('mlflow/1.11.5', {
    postgresql: 'postgresql/17.1.0',
    mysql: 'mysql/14.0.5',
    minio: 'minio/5.4.0',
  });

describe('validateChartValues', () => {
  it('accepts the chart defaults and ordinary settings', () => {
    expect(validateChartValues(mlflow181(), {})).toEqual([]);
    expect(
      validateChartValues(mlflow1115(), {
        minio: {
          enabled: true,
          rootUser: 'admin',
          rootPassword: 'secret-pass',
        },
        postgresql: {
          enabled: true,
          auth: { username: 'mlflow', password: 'pw', database: 'mlflow' },
        },
        ingress: {
          enabled: true,
          hosts: [
            {
              host: 'mlflow.example.com',
              paths: [{ path: '/', pathType: 'Prefix' }],
            },
          ],
        },
      }),
    ).toEqual([]);
  });

  it('refuses MinIO settings on 1.8.1, which has no MinIO, and names the value', () => {
    const chart = mlflow181();
    const issues = validateChartValues(chart, { minio: { enabled: true } });
    expect(issues).toEqual([
      {
        chart: 'mlflow',
        version: '1.8.1',
        path: '/minio',
        message: "additional properties 'minio' not allowed",
      },
    ]);
    expect(formatValuesIssues(chart, issues)).toBe(
      [
        "values don't meet the specifications of the schema(s) in the following chart(s):",
        'mlflow:',
        "- at '/minio': additional properties 'minio' not allowed",
      ].join('\n'),
    );
  });

  it('names both sides of the 1.8.1 rule that allows one database only', () => {
    const issues = validateChartValues(mlflow181(), {
      postgresql: {
        enabled: true,
        auth: { username: 'mlflow', password: 'pw', database: 'mlflow' },
      },
      backendStore: {
        postgres: { enabled: true, host: 'db', database: 'mlflow' },
      },
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: '/postgresql/enabled',
          message:
            'value must be false when /backendStore/postgres/enabled is true',
        }),
        expect.objectContaining({
          path: '/backendStore/postgres/enabled',
          message: 'value must be false when /postgresql/enabled is true',
        }),
      ]),
    );
    expect(
      issues.every(i => i.chart === 'mlflow' && i.version === '1.8.1'),
    ).toBe(true);
  });

  it('checks an enabled subchart against its own schema, under its values key', () => {
    const chart = mlflow1115();
    const issues = validateChartValues(chart, {
      postgresql: {
        enabled: true,
        auth: {
          username: 'mlflow',
          password: 'pw',
          database: 'mlflow',
          enablePostgresUser: 'yes',
        },
      },
    });
    expect(issues).toEqual([
      {
        chart: 'postgresql',
        version: '17.1.0',
        path: '/postgresql/auth/enablePostgresUser',
        message: 'got string, want boolean',
      },
    ]);
    expect(formatValuesIssues(chart, issues)).toContain(
      "postgresql:\n- at '/postgresql/auth/enablePostgresUser': got string, want boolean",
    );
  });

  it('skips a subchart whose condition is false, as Helm drops it', () => {
    const values: JsonObject = {
      postgresql: { enabled: false, auth: { enablePostgresUser: 'yes' } },
    };
    expect(validateChartValues(mlflow1115(), values)).toEqual([]);
  });

  it('reads conditions, aliases and globals the way Helm does', () => {
    const sub: ChartFiles = {
      name: 'db',
      version: '1.0.0',
      defaults: { size: 1 },
      schema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: {
          size: { type: 'integer', minimum: 1 },
          global: {
            type: 'object',
            properties: { region: { enum: ['eu', 'us'] } },
          },
        },
      },
      dependencies: [],
    };
    const parent: ChartFiles = {
      name: 'app',
      version: '2.0.0',
      defaults: { primary: { on: true }, replica: { on: false } },
      dependencies: [
        { name: 'db', alias: 'primary', condition: 'primary.on', files: sub },
        { name: 'db', alias: 'replica', condition: 'replica.on', files: sub },
      ],
    };
    expect(
      validateChartValues(parent, {
        global: { region: 'mars' },
        primary: { size: 0 },
        replica: { size: 'big' },
      }),
    ).toEqual([
      {
        chart: 'db',
        version: '1.0.0',
        path: '/primary/size',
        message: 'must be >= 1, but got 0',
      },
      {
        chart: 'db',
        version: '1.0.0',
        path: '/global/region',
        message: "value must be one of 'eu', 'us'",
      },
    ]);
  });

  it('lists types, missing keys and patterns in words', () => {
    const chart: ChartFiles = {
      name: 'strict',
      version: '0.1.0',
      defaults: {},
      schema: {
        $schema: 'http://json-schema.org/schema#',
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string', pattern: '(?i)^[a-z]+$' },
          port: { type: 'integer' },
          mode: { anyOf: [{ const: 'a' }, { type: 'integer' }] },
        },
      },
      dependencies: [],
    };
    expect(validateChartValues(chart, { name: 'ABC' })).toEqual([]);
    expect(
      validateChartValues(chart, { port: '80', mode: true }).map(
        i => `${i.path}: ${i.message}`,
      ),
    ).toEqual([
      "/name: missing property 'name'",
      '/port: got string, want integer',
      "/mode: matches none of the allowed forms: value must be 'a'; or got boolean, want integer",
    ]);
  });

  it('reads each draft as Helm does: formats asserted up to draft-07 only', () => {
    const chartWith = (
      $schema: string | undefined,
      version: string,
      properties: JsonObject = { email: { type: 'string', format: 'email' } },
    ): ChartFiles => ({
      name: 'drafts',
      version,
      defaults: {},
      schema: { ...($schema ? { $schema } : {}), type: 'object', properties },
      dependencies: [],
    });
    const messages = (c: ChartFiles) =>
      validateChartValues(c, { email: 'nobody' }).map(
        i => `${i.path}: ${i.message}`,
      );
    expect(
      messages(chartWith('http://json-schema.org/draft-07/schema#', '7')),
    ).toEqual(["/email: 'nobody' is not valid 'email'"]);
    expect(
      messages(
        chartWith('https://json-schema.org/draft/2020-12/schema', '2020'),
      ),
    ).toEqual([]);
    expect(
      messages(chartWith('http://json-schema.org/schema#', 'bare')),
    ).toEqual([]);
    expect(messages(chartWith(undefined, 'none'))).toEqual([]);
    expect(
      validateChartValues(
        chartWith('http://json-schema.org/draft-04/schema#', '4', {
          n: { type: 'integer', maximum: 3, exclusiveMaximum: true },
        }),
        { n: 3 },
      ),
    ).toEqual([
      {
        chart: 'drafts',
        version: '4',
        path: '/n',
        message: 'must be < 3, but got 3',
      },
    ]);
  });

  it('says why a schema that refers outside the package cannot be used', () => {
    const remote = 'https://example.com/common/values.schema.json';
    const chart: ChartFiles = {
      name: 'app-template',
      version: '4.1.1',
      defaults: {},
      schema: { $ref: remote },
      dependencies: [],
    };
    expect(() => validateChartValues(chart, {})).toThrow(
      new InputError(
        `The values.schema.json of chart app-template 4.1.1 cannot be used to check values: it refers to ${remote}, outside the chart package, which the preflight does not fetch`,
      ),
    );
  });
});
