import { gunzipSync } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { parse as parseYaml, type Tags } from 'yaml';
import { InputError } from '@backstage/errors';
import type { JsonObject } from '@backstage/types';
import { isJsonObject } from './coalesce';
import type { ChartDependency, ChartFiles } from './types';

const MAX_UNPACKED_BYTES = 200 * 1024 * 1024;
const MAX_FILE_BYTES = 16 * 1024 * 1024;
const MAX_NESTING = 6;

// Only what decides which values a chart accepts; templates and everything else are skipped.
const WANTED =
  /^(charts\/[^/]+\/)*(Chart\.yaml|requirements\.yaml|values\.yaml|values\.schema\.json|charts\/[^/]+\.tgz)$/;

/**
 * Helm reads values files with go-yaml v2: YAML 1.1 words (`yes`, `on`) are booleans, but
 * dates and `1:30` stay strings, so the 1.1 schema is used without its time types.
 */
const TIME_TAGS = new Set(['timestamp', 'intTime', 'floatTime']);
const helmYamlTags = (tags: Tags) =>
  tags.filter(t =>
    typeof t === 'string'
      ? !TIME_TAGS.has(t)
      : t.tag !== 'tag:yaml.org,2002:timestamp' && t.format !== 'TIME',
  );

function readYaml(text: string, what: string): unknown {
  try {
    return parseYaml(text, { version: '1.1', customTags: helmYamlTags });
  } catch (e) {
    throw new InputError(`${what} is not valid YAML: ${(e as Error).message}`);
  }
}

async function untar(tarball: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const reads: Promise<void>[] = [];
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      const parts = entry.path.replace(/^\.\//, '').split('/');
      const rel = parts.slice(1).join('/');
      if (
        (entry.type !== 'File' && entry.type !== 'OldFile') ||
        parts.includes('..') ||
        !WANTED.test(rel) ||
        entry.size > MAX_FILE_BYTES
      ) {
        entry.resume();
        return;
      }
      const chunks: Buffer[] = [];
      entry.on('data', (c: Buffer) => chunks.push(c));
      reads.push(
        new Promise(resolve =>
          entry.on('end', () => {
            files.set(parts.join('/'), Buffer.concat(chunks));
            resolve();
          }),
        ),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    parser.on('error', reject);
    parser.on('abort', reject);
    parser.on('end', resolve);
    parser.end(tarball);
  });
  await Promise.all(reads);
  return files;
}

function dependenciesOf(meta: JsonObject, requirements: unknown): JsonObject[] {
  // apiVersion v1 charts declare their subcharts in requirements.yaml.
  if (Array.isArray(meta.dependencies)) {
    return meta.dependencies.filter(isJsonObject);
  }
  if (isJsonObject(requirements) && Array.isArray(requirements.dependencies)) {
    return requirements.dependencies.filter(isJsonObject);
  }
  return [];
}

async function buildChart(
  files: Map<string, Buffer>,
  dir: string,
  depth: number,
): Promise<ChartFiles> {
  const text = (name: string) => files.get(`${dir}${name}`)?.toString('utf8');
  const chartYaml = text('Chart.yaml');
  if (chartYaml === undefined) {
    throw new InputError(`The chart package has no ${dir}Chart.yaml`);
  }
  const meta = readYaml(chartYaml, `${dir}Chart.yaml`);
  if (!isJsonObject(meta) || typeof meta.name !== 'string') {
    throw new InputError(`${dir}Chart.yaml does not name the chart`);
  }
  const label = `chart ${meta.name} ${meta.version}`;
  const valuesText = text('values.yaml');
  const defaults = valuesText
    ? readYaml(valuesText, `values.yaml of ${label}`)
    : {};
  if (defaults !== null && !isJsonObject(defaults)) {
    throw new InputError(`values.yaml of ${label} is not a map`);
  }
  let schema: JsonObject | undefined;
  const schemaText = text('values.schema.json');
  if (schemaText !== undefined) {
    try {
      schema = JSON.parse(schemaText);
    } catch (e) {
      throw new InputError(
        `values.schema.json of ${label} is not valid JSON: ${
          (e as Error).message
        }`,
      );
    }
    if (!isJsonObject(schema)) {
      throw new InputError(
        `values.schema.json of ${label} is not a JSON object`,
      );
    }
  }

  const vendored = await vendoredSubcharts(files, dir, depth);
  const dependencies: ChartDependency[] = dependenciesOf(
    meta,
    text('requirements.yaml') &&
      readYaml(text('requirements.yaml')!, `requirements.yaml of ${label}`),
  ).map(d => {
    const name = String(d.name);
    const candidates = vendored.filter(v => v.name === name);
    const vendoredFiles =
      candidates.find(v => v.version === String(d.version)) ?? candidates[0];
    return {
      name,
      ...(typeof d.alias === 'string' ? { alias: d.alias } : {}),
      ...(typeof d.condition === 'string' ? { condition: d.condition } : {}),
      ...(vendoredFiles ? { files: vendoredFiles } : {}),
    };
  });
  // Helm treats every chart under charts/ as a subchart, listed or not.
  for (const v of vendored) {
    if (!dependencies.some(d => d.name === v.name)) {
      dependencies.push({ name: v.name, files: v });
    }
  }
  return {
    name: meta.name,
    version: String(meta.version ?? ''),
    defaults: defaults ?? {},
    ...(schema ? { schema } : {}),
    dependencies,
  };
}

async function vendoredSubcharts(
  files: Map<string, Buffer>,
  dir: string,
  depth: number,
): Promise<ChartFiles[]> {
  const out: ChartFiles[] = [];
  const below = `${dir}charts/`;
  const seenDirs = new Set<string>();
  for (const [path, content] of files) {
    if (!path.startsWith(below)) continue;
    const rest = path.slice(below.length);
    if (/^[^/]+\.tgz$/.test(rest)) {
      out.push(await readPackage(content, depth + 1));
    } else if (/^[^/]+\/Chart\.yaml$/.test(rest)) {
      const subdir = `${below}${rest.split('/')[0]}/`;
      if (!seenDirs.has(subdir)) {
        seenDirs.add(subdir);
        out.push(await buildChart(files, subdir, depth + 1));
      }
    }
  }
  return out;
}

/**
 * Reads a chart package (`.tgz`, as `helm package` writes it) into the files that decide which
 * values it accepts, subcharts included (folders or nested packages under `charts/`).
 *
 * @public
 */
export function readChartPackage(tgz: Buffer): Promise<ChartFiles> {
  return readPackage(tgz, 0);
}

async function readPackage(tgz: Buffer, depth: number): Promise<ChartFiles> {
  if (depth > MAX_NESTING) {
    throw new InputError('The chart package nests subcharts too deeply');
  }
  let tarball: Buffer;
  try {
    tarball = gunzipSync(tgz, { maxOutputLength: MAX_UNPACKED_BYTES });
  } catch (e) {
    throw new InputError(
      `The chart package is not a readable .tgz: ${(e as Error).message}`,
    );
  }
  let files: Map<string, Buffer>;
  try {
    files = await untar(tarball);
  } catch (e) {
    throw new InputError(
      `The chart package is not a readable tar archive: ${
        (e as Error).message
      }`,
    );
  }
  const top = [...files.keys()]
    .filter(p => p.endsWith('/Chart.yaml') && p.split('/').length === 2)
    .map(p => p.split('/')[0]);
  if (top.length !== 1) {
    throw new InputError(
      'The chart package must hold exactly one <chart>/Chart.yaml at its top',
    );
  }
  return buildChart(files, `${top[0]}/`, depth);
}
