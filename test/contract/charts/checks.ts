/*
 * The chart contract checks of one blueprint over a matrix of inputs: contract data exists
 * for every pinned chart, values pass the charts' schemas (subcharts included), every value
 * set is used by some chart, and each driver can deliver the values. Results are grouped by
 * check so that a failure names the blueprint, the chart, its version and the value paths.
 */
import {
  ChartSchemaOutsidePackageError,
  validateChartValues,
  type AnyToolBlueprint,
} from '@ml-platform/plugin-ml-tools-node';
import type { Contracts, LoadReport } from './contracts';
import { inputMatrix, releasesOf, type BlueprintInputs } from './releases';
import { unusedValuePaths } from './valuePaths';

/** The kinds of check, one test each per blueprint and chart. */
export type CheckKind =
  | 'contract data'
  | 'values schema'
  | 'value paths'
  | 'deploy drivers';

/** What one check found over every input case. */
export interface CheckResult {
  /** `<blueprint> › <chart> <version> › <kind>`: the test's name, and KNOWN_BROKEN's key. */
  key: string;
  /** Problems, each naming chart, version and value path, with the input cases. */
  issues: string[];
  /** Things to print: stand-ins, unchecked subcharts, how values were checked instead. */
  notes: string[];
}

const CHECK_KINDS: CheckKind[] = [
  'contract data',
  'values schema',
  'value paths',
  'deploy drivers',
];

class Collector {
  private readonly byKey = new Map<
    string,
    { issues: Map<string, string[]>; notes: Set<string> }
  >();

  entry(key: string) {
    let e = this.byKey.get(key);
    if (!e) {
      e = { issues: new Map(), notes: new Set() };
      this.byKey.set(key, e);
    }
    return e;
  }

  issue(key: string, text: string, inputs: BlueprintInputs) {
    const cases = this.entry(key).issues;
    cases.set(text, [...(cases.get(text) ?? []), inputs.label]);
  }

  results(): CheckResult[] {
    return [...this.byKey].map(([key, e]) => ({
      key,
      issues: [...e.issues].map(([text, cases]) => {
        const shown = cases.slice(0, 2).join('; ');
        const more = cases.length > 2 ? `; and ${cases.length - 2} more` : '';
        return `${text}\n    inputs: ${shown}${more}`;
      }),
      notes: [...e.notes],
    }));
  }
}

/**
 * Runs every check for one blueprint over its input matrix (or the cases given). A blueprint
 * that throws for some input gets its error as the issue of a `blueprint` check.
 */
export function checkBlueprintCharts(
  blueprint: AnyToolBlueprint,
  contracts: Contracts,
  cases: BlueprintInputs[] = inputMatrix(blueprint),
): CheckResult[] {
  const out = new Collector();
  const loaded = new Map<string, ReturnType<Contracts['load']>>();
  const reports = new Map<string, LoadReport>();
  for (const inputs of cases) {
    let releases;
    try {
      releases = releasesOf(blueprint, inputs);
    } catch (e) {
      out.issue(
        `${blueprint.id} › blueprint`,
        `the blueprint throws: ${(e as Error).message}`,
        inputs,
      );
      continue;
    }
    for (const release of releases) {
      const { chart, version } = release.chart;
      const at = (kind: CheckKind) =>
        `${blueprint.id} › ${chart} ${version} › ${kind}`;
      for (const kind of CHECK_KINDS) out.entry(at(kind));
      const id = `${chart}@${version}`;
      if (!loaded.has(id)) {
        const report: LoadReport = { missing: [], notes: [] };
        loaded.set(id, contracts.load(chart, version, report));
        reports.set(id, report);
      }
      const data = loaded.get(id);
      const report = reports.get(id)!;
      const contractNotes = out.entry(at('contract data')).notes;
      report.notes.forEach(n => contractNotes.add(n));
      if (report.missing.length) {
        if (blueprint.valuesCheckedBy) {
          contractNotes.add(
            `${report.missing.join(
              '; ',
            )}; the blueprint says its values were checked this way instead: ${
              blueprint.valuesCheckedBy
            }`,
          );
        } else {
          for (const missing of report.missing) {
            out.issue(
              at('contract data'),
              `${missing}: add the chart's contract data, or declare in the blueprint's valuesCheckedBy how its values were checked`,
              inputs,
            );
          }
        }
      }
      for (const problem of release.undeliverable) {
        out.issue(
          at('deploy drivers'),
          `release ${release.component} (${chart} ${version}): ${problem}`,
          inputs,
        );
      }
      if (!data) {
        for (const kind of ['values schema', 'value paths'] as const) {
          out
            .entry(at(kind))
            .notes.add(`${chart} ${version}: not checked, no contract data`);
        }
        continue;
      }
      if (!data.files.schema) {
        out
          .entry(at('values schema'))
          .notes.add(
            `${chart} ${version} has no values.schema.json: Helm checks nothing`,
          );
      }
      let refused: ReturnType<typeof validateChartValues> = [];
      try {
        refused = validateChartValues(data.files, release.values);
      } catch (e) {
        if (!(e instanceof ChartSchemaOutsidePackageError)) throw e;
        if (blueprint.valuesCheckedBy) {
          out
            .entry(at('values schema'))
            .notes.add(
              `${chart} ${version}: its schema refers to ${e.missingRef}, outside the contract data; the blueprint says its values were checked this way instead: ${blueprint.valuesCheckedBy}`,
            );
        } else {
          out.issue(
            at('values schema'),
            `release ${release.component}: ${e.message}; declare in the blueprint's valuesCheckedBy how its values were checked`,
            inputs,
          );
        }
      }
      for (const issue of refused) {
        out.issue(
          at('values schema'),
          `release ${release.component}: chart ${issue.chart} ${issue.version} refuses the value at '${issue.path}': ${issue.message}`,
          inputs,
        );
      }
      const { unused, unchecked } = unusedValuePaths(
        data.paths,
        release.values,
      );
      // A dependency without contract data may be a library chart, whose templates read
      // the parent's own values (app-template renders everything through bjw-s common):
      // then an unused path is not a finding, and the blueprint must say how it checked.
      const blind = data.paths.dependencies
        .filter(d => !d.data)
        .map(d => d.name);
      if (unused.length && blind.length && blueprint.valuesCheckedBy) {
        out.entry(at('value paths')).notes.add(
          `${chart} ${version}: ${unused.length} value path(s) (${unused
            .slice(0, 4)
            .map(u => u.path)
            .join(', ')}${
            unused.length > 4 ? ', …' : ''
          }) are read by neither its defaults nor its own templates; its dependency ${blind.join(
            ', ',
          )} has no contract data, so they are not judged here; the blueprint says its values were checked this way instead: ${
            blueprint.valuesCheckedBy
          }`,
        );
        unused.length = 0;
      }
      for (const u of unused) {
        const checked =
          u.chart === chart && u.version === version
            ? ''
            : ` (its subchart ${u.chart} ${u.version} does not use it either)`;
        out.issue(
          at('value paths'),
          `release ${release.component}: chart ${chart} ${version}: value path ${u.path} is a setting that does nothing: neither defined in the chart's values nor read by its templates${checked}`,
          inputs,
        );
      }
      for (const path of unchecked) {
        out
          .entry(at('value paths'))
          .notes.add(
            `${chart} ${version}: ${path} is under a subchart without contract data, not checked`,
          );
      }
    }
  }
  return out.results();
}
