import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import { stringify as toYaml } from 'yaml';
import type { JsonObject } from '../kubernetes/json';
import type { ChartDependency, ContractChart } from './contracts';

/**
 * A chart with the contract charts vendored for its dependencies, as `helm package`
 * would bundle them under `charts/`.
 */
export interface LoadedChart {
  chart: ContractChart;
  /** Dependencies present under `charts/<name>/`, with the version that stands in. */
  dependencies: {
    dep: ChartDependency;
    loaded: LoadedChart;
    /** False when the contracts lack the wanted version and the nearest one is used. */
    exact: boolean;
  }[];
  /** Dependencies the contracts hold no chart for: left out of the package. */
  missing: ChartDependency[];
}

/** Every file in a package gets this time, so that a package's bytes never change. */
const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');

const ANNOTATION_PREFIX = 'sandbox.ml-platform.io';

/** The Chart.yaml of a loaded chart: chart.json without the contracts' own fields. */
export function chartYaml(loaded: LoadedChart): JsonObject {
  const {
    helmRepository: _repo,
    source,
    note: _note,
    dependencies: _deps,
    ...fields
  } = loaded.chart.meta;
  const annotations: Record<string, string> = {
    ...((fields.annotations as Record<string, string> | undefined) ?? {}),
  };
  const substituted = loaded.dependencies
    .filter(d => !d.exact)
    .map(
      d =>
        `${d.dep.name} ${d.dep.version ?? '*'} -> ${
          d.loaded.chart.version
        } (nearest version in the contracts)`,
    );
  if (substituted.length)
    annotations[`${ANNOTATION_PREFIX}/substituted-dependencies`] =
      substituted.join('; ');
  if (loaded.missing.length)
    annotations[`${ANNOTATION_PREFIX}/missing-dependencies`] = loaded.missing
      .map(d => `${d.name} ${d.version ?? '*'}`)
      .join('; ');
  if (source && typeof source === 'object' && !Array.isArray(source)) {
    const s = source as JsonObject;
    annotations[`${ANNOTATION_PREFIX}/contract-source`] = `${String(
      s.repository,
    )} ${String(s.path ?? '')}@${String(s.commit ?? '')}`;
  }
  return {
    ...fields,
    apiVersion: 'v2',
    ...(loaded.dependencies.length
      ? { dependencies: loaded.dependencies.map(d => ({ ...d.dep })) }
      : {}),
    ...(Object.keys(annotations).length ? { annotations } : {}),
  };
}

/** The files of a chart directory, paths relative to the archive root. */
function chartFiles(
  loaded: LoadedChart,
  dir: string,
): { path: string; data: Buffer }[] {
  const files = [
    {
      path: `${dir}/Chart.yaml`,
      data: Buffer.from(toYaml(chartYaml(loaded))),
    },
    {
      path: `${dir}/values.yaml`,
      data: Buffer.from(toYaml(loaded.chart.defaults)),
    },
  ];
  if (loaded.chart.schema) {
    files.push({
      path: `${dir}/values.schema.json`,
      data: Buffer.from(`${JSON.stringify(loaded.chart.schema, null, 2)}\n`),
    });
  }
  for (const d of loaded.dependencies) {
    files.push(...chartFiles(d.loaded, `${dir}/charts/${d.dep.name}`));
  }
  return files;
}

/** A ustar archive of in-memory files with fixed owners and times (headers by node-tar). */
function tarball(files: { path: string; data: Buffer }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const f of files) {
    const header = new Header({
      path: f.path,
      mode: 0o644,
      uid: 0,
      gid: 0,
      uname: '',
      gname: '',
      size: f.data.length,
      mtime: FIXED_MTIME,
      type: 'File',
    });
    header.encode();
    if (header.needPax)
      throw new Error(`chart file path too long for ustar: ${f.path}`);
    blocks.push(header.block!, f.data);
    const pad = (512 - (f.data.length % 512)) % 512;
    if (pad) blocks.push(Buffer.alloc(pad));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/**
 * The `.tgz` package of a chart: `<name>/Chart.yaml`, `values.yaml`, `values.schema.json`
 * and the vendored dependencies; no templates. Byte-stable: the same contracts give the
 * same bytes, hence the same digest, on every run.
 */
export function packageChart(loaded: LoadedChart): {
  data: Buffer;
  digest: string;
} {
  const data = gzipSync(tarball(chartFiles(loaded, loaded.chart.name)), {
    level: 9,
  });
  return { data, digest: createHash('sha256').update(data).digest('hex') };
}
