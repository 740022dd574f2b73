import type { LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import type { JsonObject } from '@backstage/types';
import type { MlToolsConfig } from '../config/readMlToolsConfig';
import { coalesceValues, escapePointer } from './coalesce';
import { HelmChartSource } from './HelmChartSource';
import { redactUrl } from './http';
import type { ChartFiles } from './types';
import {
  ChartSchemaOutsidePackageError,
  formatValuesIssues,
  validateChartValues,
} from './validateChartValues';

/**
 * A release as the deploy action is about to write it: its pinned chart, by the name of a
 * configured chart repository, and the values it will be installed with.
 *
 * @public
 */
export interface PreflightRelease {
  name: string;
  chart: { repository: string; chart: string; version: string };
  values: JsonObject;
  /**
   * Values the release controller fills in from Secrets at install time (Flux `valuesFrom`),
   * by dotted target path. Their real content is unknown here: a placeholder string stands in
   * so that required keys are present, and the schema's rules for those paths are not judged.
   */
  valuesFrom?: ReadonlyArray<{ targetPath: string }>;
  /**
   * How the release's values were checked when its chart's schema refers to documents
   * outside the package (the blueprint's `valuesCheckedBy`). With it, such a schema is
   * reported in the log and left to Helm at install time; without it, the release is
   * refused, since nothing would have checked its values before the first write.
   */
  valuesCheckedBy?: string;
}

const PLACEHOLDER = 'value-from-secret';

/** `a.b\.c` → [a, b.c]: Helm's dotted paths, where a backslash keeps a dot inside a key. */
function splitDotted(path: string): string[] {
  return path
    .split(/(?<!\\)\./)
    .map(part => part.replace(/\\\./g, '.'))
    .filter(Boolean);
}

function withPlaceholders(
  values: JsonObject,
  valuesFrom: PreflightRelease['valuesFrom'],
): { values: JsonObject; pointers: string[] } {
  const pointers: string[] = [];
  let out = values;
  for (const { targetPath } of valuesFrom ?? []) {
    const keys = splitDotted(targetPath);
    if (keys.length === 0) continue;
    pointers.push(`/${keys.map(escapePointer).join('/')}`);
    const patch: JsonObject = {};
    let cursor = patch;
    keys.slice(0, -1).forEach(k => {
      cursor = cursor[k] = {};
    });
    cursor[keys[keys.length - 1]] = PLACEHOLDER;
    out = coalesceValues(out, patch);
  }
  return { values: out, pointers };
}

/**
 * Options of one {@link ChartPreflight.check} call.
 *
 * @public
 */
export interface ChartPreflightCheckOptions {
  /** Where to say what was checked or skipped, for example the task's log. */
  logger?: LoggerService;
  signal?: AbortSignal;
}

/**
 * Checks, before anything is written, that each release's values are ones its pinned chart
 * accepts: the chart is fetched from its configured repository as Helm would, and the values
 * are validated against its schema and its subcharts' schemas.
 *
 * @public
 */
export class ChartPreflight {
  static fromConfig(
    config: MlToolsConfig,
    deps: { logger: LoggerService; source?: HelmChartSource },
  ): ChartPreflight {
    const { preflight, chartRepositories } = config.deploy;
    return new ChartPreflight(
      preflight.enabled,
      new Map(chartRepositories.map(r => [r.name, r.url])),
      deps.source ?? new HelmChartSource({ timeoutMs: preflight.timeoutMs }),
      deps.logger,
    );
  }

  private constructor(
    private readonly enabled: boolean,
    private readonly repositories: ReadonlyMap<string, string>,
    private readonly source: HelmChartSource,
    private readonly logger: LoggerService,
  ) {}

  /**
   * Resolves when every release's values pass. Throws InputError naming the release, chart,
   * version and each refused value path with its rule; ServiceUnavailableError or
   * NotFoundError when a chart cannot be fetched (never a silent pass).
   */
  async check(
    releases: readonly PreflightRelease[],
    options: ChartPreflightCheckOptions = {},
  ): Promise<void> {
    const logger = options.logger ?? this.logger;
    if (!this.enabled) {
      for (const r of releases) {
        logger.warn(
          `Values of release ${r.name} were not checked against chart ${r.chart.chart} ${r.chart.version}: the chart preflight is turned off (mlTools.deploy.preflight.enabled)`,
        );
      }
      return;
    }
    const located = releases.map(r => ({
      release: r,
      url: this.#repositoryUrl(r),
    }));
    const fetched = await Promise.allSettled(
      located.map(({ release, url }) =>
        this.source.getChart(
          {
            repositoryUrl: url,
            chart: release.chart.chart,
            version: release.chart.version,
          },
          { signal: options.signal },
        ),
      ),
    );
    const failure = fetched.find(f => f.status === 'rejected');
    if (failure) throw (failure as PromiseRejectedResult).reason;

    const refusals: string[] = [];
    located.forEach(({ release, url }, i) => {
      const chart = (fetched[i] as PromiseFulfilledResult<ChartFiles>).value;
      const filled = withPlaceholders(release.values, release.valuesFrom);
      const what = `chart ${chart.name} ${chart.version} from ${redactUrl(
        url,
      )}`;
      let found;
      try {
        found = validateChartValues(chart, filled.values);
      } catch (e) {
        if (!(e instanceof ChartSchemaOutsidePackageError)) throw e;
        if (!release.valuesCheckedBy) {
          refusals.push(`Release ${release.name}: ${e.message}`);
          return;
        }
        logger.warn(
          `Values of release ${release.name} were not checked against ${what}: its schema refers to ${e.missingRef}, outside the package, which Helm fetches when it installs the release; they were checked by ${release.valuesCheckedBy}`,
        );
        return;
      }
      const issues = found.filter(
        issue =>
          !filled.pointers.some(
            p => issue.path === p || issue.path.startsWith(`${p}/`),
          ),
      );
      if (issues.length === 0) {
        logger.info(
          `Values of release ${release.name} checked against ${what}`,
        );
        return;
      }
      refusals.push(
        `Release ${
          release.name
        }: ${what} refuses its values. ${formatValuesIssues(chart, issues)}`,
      );
    });
    if (refusals.length > 0) throw new InputError(refusals.join('\n\n'));
  }

  #repositoryUrl(release: PreflightRelease): string {
    const url = this.repositories.get(release.chart.repository);
    if (!url) {
      const known = [...this.repositories.keys()].join(', ');
      throw new InputError(
        `Release ${release.name} names chart repository "${release.chart.repository}", which is not configured under mlTools.deploy.chartRepositories (configured: ${known})`,
      );
    }
    return url;
  }
}
