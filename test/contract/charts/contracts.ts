/*
 * Reads the upstream chart contracts (`../shared/contracts/charts/<dir>/<version>/`, see its
 * README) into what the checks need: ChartFiles for the schema check, ChartPathData for the
 * value-path check. Charts are found by the name and version in their chart.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JsonObject } from '@backstage/types';
import { openMapsOfSchema, type ChartPathData } from './valuePaths';

/** The shared contracts folder: `<repo>/../shared/contracts` unless the environment says. */
export function contractsDir(): string {
  return (
    process.env.ML_PLATFORM_CONTRACTS_DIR ??
    path.resolve(__dirname, '../../../../shared/contracts')
  );
}

/** The subset of the product's ChartFiles the schema check reads. */
export interface ContractChartFiles {
  name: string;
  version: string;
  defaults: JsonObject;
  schema?: JsonObject;
  dependencies: Array<{
    name: string;
    alias?: string;
    condition?: string;
    files?: ContractChartFiles;
  }>;
}

/** One chart version of the contracts folder. */
export interface ContractChart {
  name: string;
  version: string;
  dir: string;
  meta: JsonObject;
}

/**
 * Subchart versions the parents pin that the contracts cannot hold, and the version checked
 * in their place (the contracts README lists the gaps).
 */
export const STAND_INS: Readonly<
  Record<string, { version: string; reason: string }>
> = {
  'postgresql@18.1.13': {
    version: '17.1.0',
    reason:
      "Bitnami's public repository stops at postgresql 17.1.0; 18.x exists only as packages",
  },
  'postgresql@18.8.12': {
    version: '17.1.0',
    reason:
      "Bitnami's public repository stops at postgresql 17.1.0; 18.x exists only as packages",
  },
  'mysql@14.0.3': {
    version: '14.0.5',
    reason: 'the contracts hold mysql 14.0.5, two patch releases later',
  },
};

function readJson(file: string): any {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** What a check found out while loading: missing data and the stand-ins it used. */
export interface LoadReport {
  /** Data that must exist and does not, in words. */
  missing: string[];
  /** Stand-ins and subcharts left unchecked, in words. */
  notes: string[];
}

/** The contract charts, indexed by name and version. */
export class Contracts {
  private readonly charts: ContractChart[];

  private constructor(readonly dir: string) {
    const chartsDir = path.join(dir, 'charts');
    this.charts = [];
    if (!fs.existsSync(chartsDir)) return;
    for (const chartDir of fs.readdirSync(chartsDir)) {
      const versionsDir = path.join(chartsDir, chartDir);
      if (!fs.statSync(versionsDir).isDirectory()) continue;
      for (const version of fs.readdirSync(versionsDir)) {
        const metaFile = path.join(versionsDir, version, 'chart.json');
        if (!fs.existsSync(metaFile)) continue;
        const meta = readJson(metaFile);
        this.charts.push({
          name: String(meta.name),
          version: String(meta.version),
          dir: path.join(versionsDir, version),
          meta,
        });
      }
    }
  }

  static read(dir = contractsDir()): Contracts {
    return new Contracts(dir);
  }

  get empty(): boolean {
    return this.charts.length === 0;
  }

  /** The chart version, or the highest one an `x` range (`2.x.x`) of the version allows. */
  find(name: string, version: string): ContractChart | undefined {
    const exact = this.charts.find(
      c => c.name === name && c.version === version,
    );
    if (exact || !/(^|\.)[x*](\.|$)/.test(version)) return exact;
    const wanted = version.split('.');
    return this.charts
      .filter(
        c =>
          c.name === name &&
          wanted.every(
            (w, i) => w === 'x' || w === '*' || w === c.version.split('.')[i],
          ),
      )
      .sort((a, b) =>
        b.version.localeCompare(a.version, 'en', { numeric: true }),
      )[0];
  }

  /** The files of one chart version that a check needs; a missing one goes to `missing`. */
  private file(chart: ContractChart, file: string, report: LoadReport): any {
    const full = path.join(chart.dir, file);
    if (!fs.existsSync(full)) {
      report.missing.push(
        `chart ${chart.name} ${chart.version} has no ${file} in ${path.relative(
          this.dir,
          chart.dir,
        )}`,
      );
      return undefined;
    }
    return readJson(full);
  }

  /**
   * The chart for the schema check (ChartFiles) and the value-path check, with its
   * subcharts' data as far as the contracts have it. `undefined` when the chart itself has
   * no contract data (said in `report.missing`).
   */
  load(
    name: string,
    version: string,
    report: LoadReport,
  ): { files: ContractChartFiles; paths: ChartPathData } | undefined {
    const chart = this.find(name, version);
    if (!chart) {
      report.missing.push(
        `no contract data for chart ${name} ${version} (no charts/*/${version}/chart.json with name "${name}" under ${this.dir})`,
      );
      return undefined;
    }
    const defaults: JsonObject =
      this.file(chart, 'values.defaults.json', report) ?? {};
    const templatePaths: string[] =
      this.file(chart, 'template-value-paths.json', report) ?? [];
    const schemaFile = path.join(chart.dir, 'values.schema.json');
    const schema = fs.existsSync(schemaFile) ? readJson(schemaFile) : undefined;
    const files: ContractChartFiles = {
      name,
      version,
      defaults,
      schema,
      dependencies: [],
    };
    const pathDeps: Array<ChartPathData['dependencies'][number]> = [];
    const paths: ChartPathData = {
      name,
      version,
      defaults,
      templatePaths,
      openMaps: openMapsOfSchema(schema),
      dependencies: pathDeps,
    };
    const deps = (chart.meta.dependencies ?? []) as JsonObject[];
    for (const dep of deps) {
      const depName = String(dep.name);
      const depVersion = String(dep.version);
      const alias = dep.alias ? String(dep.alias) : undefined;
      const condition = dep.condition ? String(dep.condition) : undefined;
      const standIn = STAND_INS[`${depName}@${depVersion}`];
      let sub: { files: ContractChartFiles; paths: ChartPathData } | undefined;
      const found = this.find(depName, depVersion);
      if (found) {
        sub = this.load(depName, found.version, report);
      } else if (standIn && this.find(depName, standIn.version)) {
        sub = this.load(depName, standIn.version, report);
        report.notes.push(
          `${name} ${version}: subchart ${depName} ${depVersion} checked against ${depName} ${standIn.version} (${standIn.reason})`,
        );
      } else {
        report.notes.push(
          `${name} ${version}: no contract data for subchart ${depName} ${depVersion}; its values are not checked`,
        );
      }
      files.dependencies.push({
        name: depName,
        ...(alias ? { alias } : {}),
        ...(condition ? { condition } : {}),
        ...(sub ? { files: sub.files } : {}),
      });
      pathDeps.push({
        name: depName,
        ...(alias ? { alias } : {}),
        ...(sub ? { data: sub.paths } : {}),
      });
    }
    return { files, paths };
  }
}
