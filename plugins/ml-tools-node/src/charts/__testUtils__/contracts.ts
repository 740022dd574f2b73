import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  existsSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { create } from 'tar';
import { stringify } from 'yaml';
import type { JsonObject } from '@backstage/types';
import type { ChartFiles } from '../types';

/** The shared contracts folder: `<repo>/../shared/contracts` unless the environment says. */
export function contractsDir(): string {
  return (
    process.env.ML_PLATFORM_CONTRACTS_DIR ??
    resolve(__dirname, '../../../../../../shared/contracts')
  );
}

function readJson(path: string): JsonObject {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/**
 * A chart of the contracts folder as a package would carry it. Subcharts are the contract
 * versions passed in `subcharts` (dependency name → `<dir>/<version>`): the contracts lack some
 * exact versions the parents pin (see the contracts README), so tests say which one stands in.
 */
export function contractChart(
  dirAndVersion: string,
  subcharts: Record<string, string> = {},
): ChartFiles {
  const folder = join(contractsDir(), 'charts', dirAndVersion);
  const meta = readJson(join(folder, 'chart.json'));
  const schemaPath = join(folder, 'values.schema.json');
  const deps = (meta.dependencies ?? []) as JsonObject[];
  return {
    name: String(meta.name),
    version: String(meta.version),
    defaults: readJson(join(folder, 'values.defaults.json')),
    schema: existsSync(schemaPath) ? readJson(schemaPath) : undefined,
    dependencies: deps.map(d => ({
      name: String(d.name),
      ...(d.alias ? { alias: String(d.alias) } : {}),
      ...(d.condition ? { condition: String(d.condition) } : {}),
      ...(subcharts[String(d.name)]
        ? { files: contractChart(subcharts[String(d.name)]) }
        : {}),
    })),
  };
}

// Written as YAML 1.1, the dialect Helm reads: strings such as 'off' stay quoted.
const yaml11 = (value: unknown) => stringify(value, { version: '1.1' });

function writeChartDir(
  dir: string,
  chart: ChartFiles,
  packed: Set<string>,
  valuesYaml?: string,
) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'Chart.yaml'),
    yaml11({
      apiVersion: 'v2',
      name: chart.name,
      version: chart.version,
      dependencies: chart.dependencies.map(({ files: _files, ...d }) => ({
        ...d,
        version: _files?.version ?? '0.0.0',
      })),
    }),
  );
  writeFileSync(join(dir, 'values.yaml'), valuesYaml ?? yaml11(chart.defaults));
  if (chart.schema) {
    writeFileSync(
      join(dir, 'values.schema.json'),
      JSON.stringify(chart.schema),
    );
  }
  // A template, as in a real package, that the reader must skip.
  mkdirSync(join(dir, 'templates'), { recursive: true });
  writeFileSync(
    join(dir, 'templates', 'deployment.yaml'),
    'kind: Deployment\n',
  );
  for (const dep of chart.dependencies) {
    if (!dep.files) continue;
    if (packed.has(dep.name)) {
      const tgz = packageChart(dep.files);
      mkdirSync(join(dir, 'charts'), { recursive: true });
      writeFileSync(
        join(dir, 'charts', `${dep.name}-${dep.files.version}.tgz`),
        tgz,
      );
    } else {
      writeChartDir(join(dir, 'charts', dep.name), dep.files, packed);
    }
  }
}

const packaged = new WeakMap<ChartFiles, Map<string, Buffer>>();

/**
 * A `.tgz` laid out as `helm package` writes it: `<name>/Chart.yaml`, `values.yaml`,
 * `values.schema.json`, templates, and subcharts under `charts/` (as folders, or as nested
 * packages for the names in `packedSubcharts`). `valuesYaml` replaces the chart's values.yaml.
 */
export function packageChart(
  chart: ChartFiles,
  packedSubcharts: string[] = [],
  valuesYaml?: string,
): Buffer {
  // Packaging large defaults takes a while on a busy machine; tests reuse packages.
  const key = `${packedSubcharts.join(',')}\n${valuesYaml ?? ''}`;
  const known = packaged.get(chart) ?? new Map<string, Buffer>();
  packaged.set(chart, known);
  const hit = known.get(key);
  if (hit) return hit;
  const tgz = packageChartNow(chart, packedSubcharts, valuesYaml);
  known.set(key, tgz);
  return tgz;
}

function packageChartNow(
  chart: ChartFiles,
  packedSubcharts: string[],
  valuesYaml?: string,
): Buffer {
  const work = mkdtempSync(join(tmpdir(), 'chart-'));
  try {
    writeChartDir(
      join(work, chart.name),
      chart,
      new Set(packedSubcharts),
      valuesYaml,
    );
    const file = join(work, 'out.tgz');
    create({ gzip: true, cwd: work, sync: true, file, portable: true }, [
      chart.name,
    ]);
    return readFileSync(file);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
