import type { JsonObject } from '@backstage/types';

/**
 * A subchart as the parent's Chart.yaml declares it, with the subchart's own files when the
 * package vendors it under `charts/`.
 *
 * @public
 */
export interface ChartDependency {
  name: string;
  /** Values of the subchart live under this key of the parent's values when set. */
  alias?: string;
  /** Comma-separated value paths (`minio.enabled`); the first one that holds a boolean decides. */
  condition?: string;
  files?: ChartFiles;
}

/**
 * The parts of a chart package that decide which values it accepts: its metadata, its
 * `values.yaml` (parsed), its `values.schema.json` and those of its subcharts.
 *
 * @public
 */
export interface ChartFiles {
  name: string;
  version: string;
  defaults: JsonObject;
  schema?: JsonObject;
  dependencies: ChartDependency[];
}

/**
 * One value the chart's schema (or a subchart's) refuses.
 *
 * @public
 */
export interface ValuesIssue {
  /** The chart whose schema refuses the value: the release's chart or one of its subcharts. */
  chart: string;
  version: string;
  /** JSON pointer into the release's values, for example `/postgresql/enabled`. */
  path: string;
  /** What the schema asks for, in words. */
  message: string;
}
