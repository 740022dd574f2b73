/*
 * Developer check with the real Helm: renders every built-in blueprint's releases with
 * `helm template` against chart sources in a folder (a chart's public repository checked out
 * where you work; nothing of it is committed), over a small matrix of inputs, lists the
 * rendered objects and checks that every workload the blueprint's health waits for is
 * among them. Exits non-zero, naming what failed, otherwise.
 *
 *   npm run check:charts -- /tmp/charts [--blueprint mlflow] [--objects]
 *
 * A chart is found by the name and version in its Chart.yaml anywhere under the folder.
 * Its dependencies are vendored from the same folder into a temporary copy (no internet):
 * the exact version when present, otherwise the closest one with a notice, and the copy's
 * Chart.yaml is pointed at it so that Helm still applies the dependency's condition.
 *
 * A schema that Helm can only check by fetching `$ref`s over the network (app-template's
 * points at the bjw-s common library's schema on raw.githubusercontent.com) is checked
 * offline instead: the chart renders with `--skip-schema-validation`, and its values are
 * validated against the same schema with every remote document taken from the chart
 * sources (a document found by its `$id`, its relative references from the files next to
 * it). A remote document missing from the sources is a failure, never a pass.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv, { type AnySchema } from 'ajv';
import YAML from 'yaml';
import {
  builtInBlueprints,
  type AnyToolBlueprint,
} from '@ml-platform/plugin-ml-tools-node';
import {
  healthWorkloadsOf,
  releasesOf,
  renderMatrix,
  type BlueprintInputs,
  type CheckedRelease,
} from '../test/contract/charts/releases';

const NAMESPACE = 'ml-team';

interface ChartSource {
  name: string;
  version: string;
  dir: string;
}

interface Rendered {
  kind: string;
  name: string;
  hook?: string;
}

function usage(message?: string): never {
  if (message) console.error(message);
  console.error(
    'usage: npm run check:charts -- <folder of chart sources> [--blueprint <id>] [--objects]',
  );
  process.exit(2);
}

function parseArgs(argv: string[]) {
  let folder: string | undefined;
  let blueprint: string | undefined;
  let objects = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--blueprint')
      blueprint = argv[++i] ?? usage('--blueprint needs an id');
    else if (arg === '--objects') objects = true;
    else if (arg.startsWith('-')) usage(`unknown option ${arg}`);
    else if (folder) usage(`one folder only (got ${folder} and ${arg})`);
    else folder = arg;
  }
  if (!folder) usage();
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    usage(`${folder} is not a folder`);
  }
  return { folder: path.resolve(folder), blueprint, objects };
}

/** Every Chart.yaml under the folder (not inside .git or node_modules). */
function indexSources(folder: string): ChartSource[] {
  const out: ChartSource[] = [];
  const walk = (dir: string, depth: number) => {
    const chartYaml = path.join(dir, 'Chart.yaml');
    if (fs.existsSync(chartYaml)) {
      const meta = YAML.parse(fs.readFileSync(chartYaml, 'utf8'));
      if (meta?.name && meta?.version) {
        out.push({ name: meta.name, version: String(meta.version), dir });
      }
    }
    if (depth === 0) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (
        !entry.isDirectory() ||
        entry.name === '.git' ||
        entry.name === 'node_modules'
      ) {
        continue;
      }
      walk(path.join(dir, entry.name), depth - 1);
    }
  };
  walk(folder, 6);
  return out;
}

function numericVersion(v: string): number[] {
  return v
    .split(/[.+-]/)
    .slice(0, 3)
    .map(p => Number(p) || 0);
}

function compareVersions(a: string, b: string): number {
  const x = numericVersion(a);
  const y = numericVersion(b);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

/** Exact versions and `x` wildcards (`2.x.x`); anything else only matches exactly. */
function satisfies(version: string, range: string): boolean {
  if (version === range) return true;
  const parts = range.replace(/^[v=]/, '').split('.');
  if (!parts.some(p => p === 'x' || p === '*')) return false;
  const have = version.split('.');
  return parts.every((p, i) => p === 'x' || p === '*' || p === have[i]);
}

class ChartWorkshop {
  private readonly prepared = new Map<string, string>();
  readonly notices = new Set<string>();

  constructor(
    private readonly sources: ChartSource[],
    private readonly workDir: string,
    private readonly folder: string,
  ) {}

  find(name: string, version: string): ChartSource | undefined {
    return this.sources.find(s => s.name === name && s.version === version);
  }

  /** A copy of the chart with its dependencies vendored under charts/, ready for Helm. */
  prepare(source: ChartSource, into?: string): string {
    const key = `${source.name}@${source.version}`;
    if (!into && this.prepared.has(key)) return this.prepared.get(key)!;
    const dir =
      into ?? path.join(this.workDir, `${source.name}-${source.version}`);
    fs.cpSync(source.dir, dir, { recursive: true });
    const chartYamlPath = path.join(dir, 'Chart.yaml');
    const meta = YAML.parse(fs.readFileSync(chartYamlPath, 'utf8'));
    let rewritten = false;
    for (const dep of (meta.dependencies ?? []) as Array<Record<string, any>>) {
      const target = path.join(dir, 'charts', dep.name);
      const vendored =
        fs.existsSync(target) ||
        (fs.existsSync(path.join(dir, 'charts')) &&
          fs
            .readdirSync(path.join(dir, 'charts'))
            .some(f => f.startsWith(`${dep.name}-`) && f.endsWith('.tgz')));
      if (vendored) continue;
      const range = String(dep.version ?? '');
      const candidates = this.sources
        .filter(s => s.name === dep.name)
        .sort((a, b) => compareVersions(b.version, a.version));
      let chosen = candidates.find(c => satisfies(c.version, range));
      if (!chosen) {
        // The closest version: the highest one not above the wanted one, else the lowest.
        chosen =
          candidates.find(c => compareVersions(c.version, range) <= 0) ??
          candidates[candidates.length - 1];
        if (!chosen) {
          throw new Error(
            `${key} depends on ${dep.name} ${range}, and no chart named ${dep.name} is under ${this.folder}`,
          );
        }
        this.notices.add(
          `${key}: dependency ${dep.name} ${range} is not under the folder; using ${dep.name} ${chosen.version} in its place`,
        );
        dep.version = chosen.version;
        rewritten = true;
      }
      fs.mkdirSync(path.join(dir, 'charts'), { recursive: true });
      this.prepare(chosen, target);
    }
    if (rewritten) fs.writeFileSync(chartYamlPath, YAML.stringify(meta));
    if (!into) this.prepared.set(key, dir);
    return dir;
  }
}

function helm(args: string[]): string {
  const bin =
    process.env.HELM_BIN ??
    path.join(__dirname, '..', '.tools', 'helm', 'helm');
  try {
    return execFileSync(bin, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e: any) {
    const stderr = String(e.stderr ?? '').trim();
    throw new Error(stderr || String(e.message));
  }
}

/** A Helm refusal caused by a schema it tried to fetch over the network. */
const REMOTE_SCHEMA = /failing loading "(https?:\/\/[^"]+)"/;

/** Every JSON document under a chart folder, by the URL its `$id` (or a sibling's) gives it. */
function offlineSchemaDocuments(chartDir: string): Map<string, AnySchema> {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith('.json')) files.push(full);
    }
  };
  walk(chartDir);
  const docs = new Map<string, AnySchema>();
  const parsed = new Map<string, any>();
  for (const f of files) {
    try {
      parsed.set(f, JSON.parse(fs.readFileSync(f, 'utf8')));
    } catch {
      // Not JSON: not a schema document.
    }
  }
  for (const [f, doc] of parsed) {
    const id = doc?.$id;
    if (typeof id !== 'string' || !/^https?:\/\//.test(id)) continue;
    const base = path.dirname(f);
    for (const [other, otherDoc] of parsed) {
      if (!other.startsWith(`${base}${path.sep}`) || other === f) continue;
      const url = new URL(path.relative(base, other), id).href;
      if (!docs.has(url)) docs.set(url, { ...otherDoc, $id: url });
    }
    docs.set(id.replace(/#$/, ''), doc);
  }
  return docs;
}

function mergeValues(base: any, over: any): any {
  if (!over || typeof over !== 'object' || Array.isArray(over)) return over;
  const out: any = { ...(base ?? {}) };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else if (v && typeof v === 'object' && !Array.isArray(v))
      out[k] = mergeValues(out[k], v);
    else out[k] = v;
  }
  return out;
}

/**
 * Validates a release's values (over the chart's defaults) against the chart's schema,
 * remote references resolved from the sources; the chart's subcharts' schemas likewise
 * with their defaults and the globals. Returns the refusals, Helm-like.
 */
function validateOffline(chartDir: string, values: any): string[] {
  const docs = offlineSchemaDocuments(chartDir);
  const problems: string[] = [];
  const check = (dir: string, vals: any, label: string) => {
    const schemaFile = path.join(dir, 'values.schema.json');
    if (!fs.existsSync(schemaFile)) return;
    const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8'));
    const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
    for (const [url, doc] of docs) {
      if (url !== schema.$id) ajv.addSchema(doc, url);
    }
    const { $schema: _draft, ...body } = schema;
    let validate;
    try {
      validate = ajv.compile(body);
    } catch (e) {
      const missing = (e as { missingRef?: string }).missingRef;
      problems.push(
        `${label}: ${
          missing
            ? `its schema refers to ${missing}, which is not under the chart sources`
            : (e as Error).message
        }`,
      );
      return;
    }
    if (!validate(vals)) {
      for (const err of validate.errors ?? []) {
        problems.push(
          `${label}: at '${err.instancePath || '/'}': ${err.message}${
            err.params && Object.keys(err.params).length
              ? ` ${JSON.stringify(err.params)}`
              : ''
          }`,
        );
      }
    }
  };
  const defaults = YAML.parse(
    fs.readFileSync(path.join(chartDir, 'values.yaml'), 'utf8'),
  );
  const merged = mergeValues(defaults ?? {}, values);
  check(chartDir, merged, path.basename(chartDir));
  const charts = path.join(chartDir, 'charts');
  if (fs.existsSync(charts)) {
    for (const sub of fs.readdirSync(charts)) {
      const subDir = path.join(charts, sub);
      if (!fs.existsSync(path.join(subDir, 'values.yaml'))) continue;
      const subDefaults = YAML.parse(
        fs.readFileSync(path.join(subDir, 'values.yaml'), 'utf8'),
      );
      const subValues = mergeValues(subDefaults ?? {}, merged[sub] ?? {});
      if (merged.global) subValues.global = mergeValues(subValues.global, merged.global);
      check(subDir, subValues, `subchart ${sub}`);
    }
  }
  return problems;
}

function render(
  workshop: ChartWorkshop,
  release: CheckedRelease,
  workDir: string,
): Rendered[] {
  const { chart, version } = release.chart;
  const source = workshop.find(chart, version);
  if (!source) {
    throw new Error(
      `no source for chart ${chart} ${version}: put its Chart.yaml (name: ${chart}, version: ${version}) under the folder`,
    );
  }
  const chartDir = workshop.prepare(source);
  const valuesFile = path.join(workDir, `${release.name}.values.json`);
  fs.writeFileSync(valuesFile, JSON.stringify(release.values, null, 2));
  const args = [
    'template',
    release.name,
    chartDir,
    '--namespace',
    NAMESPACE,
    '-f',
    valuesFile,
  ];
  let out: string;
  try {
    out = helm(args);
  } catch (e) {
    const remote = REMOTE_SCHEMA.exec((e as Error).message);
    if (!remote) throw e;
    const refused = validateOffline(chartDir, release.values);
    if (refused.length) {
      throw new Error(
        `values don't meet the specifications of the schema (checked offline; Helm needs ${remote[1]}):\n${refused.join(
          '\n',
        )}`,
      );
    }
    workshop.notices.add(
      `${chart} ${version}: its schema refers to ${remote[1]}, which Helm fetches over the network; values validated offline against that schema taken from the chart sources, then rendered with --skip-schema-validation`,
    );
    out = helm([...args, '--skip-schema-validation']);
  }
  return YAML.parseAllDocuments(out)
    .map(d => d.toJS())
    .filter(o => o && typeof o === 'object' && o.kind)
    .map(o => ({
      kind: o.kind,
      name: o.metadata?.name,
      hook: o.metadata?.annotations?.['helm.sh/hook'],
    }));
}

function describe(o: Rendered): string {
  return `${o.kind}/${o.name}${o.hook ? ` (hook: ${o.hook})` : ''}`;
}

function checkBlueprint(
  blueprint: AnyToolBlueprint,
  workshop: ChartWorkshop,
  workDir: string,
  printAll: boolean,
): string[] {
  const failures: string[] = [];
  const cases = renderMatrix(blueprint);
  console.log(`\n# ${blueprint.id}: ${blueprint.title}`);
  cases.forEach((inputs: BlueprintInputs, index: number) => {
    const where = `${blueprint.id} [${inputs.label}] (instance ${inputs.instanceName})`;
    let releases: CheckedRelease[];
    try {
      releases = releasesOf(blueprint, inputs);
    } catch (e) {
      failures.push(`${where}: the blueprint throws: ${(e as Error).message}`);
      return;
    }
    const rendered: Rendered[] = [];
    let renderFailed = false;
    for (const release of releases) {
      const label = `${release.name} (${release.chart.chart} ${release.chart.version})`;
      try {
        const objects = render(workshop, release, workDir);
        rendered.push(...objects);
        if (index === 0 || printAll) {
          console.log(
            `\n## ${where}: release ${label}: ${objects.length} objects`,
          );
          for (const o of objects) console.log(`  ${describe(o)}`);
        }
      } catch (e) {
        renderFailed = true;
        failures.push(
          `${where}: helm template ${label} failed:\n    ${(
            e as Error
          ).message.replace(/\n/g, '\n    ')}`,
        );
      }
    }
    if (renderFailed) return;
    const workloads = healthWorkloadsOf(blueprint, inputs);
    const missing = workloads.filter(
      w =>
        (w.namespace ?? NAMESPACE) !== NAMESPACE ||
        !rendered.some(o => o.kind === w.kind && o.name === w.name && !o.hook),
    );
    if (missing.length) {
      const workloadsRendered = rendered
        .filter(o =>
          ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind),
        )
        .map(describe);
      failures.push(
        `${where}: health waits for ${missing
          .map(w => `${w.kind}/${w.name}`)
          .join(', ')}, which no release renders (rendered workloads: ${
          workloadsRendered.join(', ') || 'none'
        })`,
      );
    } else {
      console.log(
        `ok   ${where}: ${
          releases.length
        } release(s), health workloads rendered: ${workloads
          .map(w => `${w.kind}/${w.name}`)
          .join(', ')}`,
      );
    }
  });
  return failures;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const blueprints = builtInBlueprints.filter(
    b => !args.blueprint || b.id === args.blueprint,
  );
  if (blueprints.length === 0) {
    usage(
      `no built-in blueprint "${args.blueprint}" (known: ${builtInBlueprints
        .map(b => b.id)
        .join(', ')})`,
    );
  }
  console.log(helm(['version', '--short']).trim());
  const sources = indexSources(args.folder);
  console.log(
    `chart sources under ${args.folder}: ${sources
      .map(s => `${s.name} ${s.version}`)
      .sort()
      .join(', ')}`,
  );
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-charts-'));
  const workshop = new ChartWorkshop(sources, workDir, args.folder);
  let failures: string[] = [];
  try {
    for (const blueprint of blueprints) {
      failures = failures.concat(
        checkBlueprint(blueprint, workshop, workDir, args.objects),
      );
    }
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
  if (workshop.notices.size) {
    console.log('\nnotices:');
    for (const n of workshop.notices) console.log(`  ${n}`);
  }
  if (failures.length) {
    console.error(`\n${failures.length} failure(s):`);
    for (const f of failures) console.error(`FAIL ${f}`);
    process.exit(1);
  }
  console.log('\nall blueprints render and every health workload is rendered');
}

main();
