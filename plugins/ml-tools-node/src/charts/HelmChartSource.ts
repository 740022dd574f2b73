import {
  InputError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { parse as parseYaml } from 'yaml';
import { readChartPackage } from './chartArchive';
import { isJsonObject } from './coalesce';
import { download, failedAnswer, redactUrl, splitCredentials } from './http';
import { pullOciChart, sha256Of } from './oci';
import type { ChartFiles } from './types';

const MAX_INDEX_BYTES = 64 * 1024 * 1024;
const MAX_PACKAGE_BYTES = 32 * 1024 * 1024;
const MAX_CACHED_INDEXES = 16;

/**
 * Where a pinned chart lives.
 *
 * @public
 */
export interface ChartLocation {
  /** `https://…` (a repository with an `index.yaml`) or `oci://host/path`. */
  repositoryUrl: string;
  chart: string;
  version: string;
}

/**
 * Options of {@link HelmChartSource}.
 *
 * @public
 */
export interface HelmChartSourceOptions {
  /** Budget for fetching one chart, index and package together (default 30000 ms). */
  timeoutMs?: number;
  /** How long a repository's index.yaml is reused (default 60000 ms). */
  indexTtlMs?: number;
  /** How many charts are kept in memory (default 64). Pinned versions never change. */
  maxCachedCharts?: number;
  /**
   * OCI registries spoken to over plain HTTP, like `helm --plain-http`. Default: loopback
   * hosts only, as container tools treat local registries.
   */
  plainHttp?: (host: string) => boolean;
}

interface IndexEntry {
  version: string;
  urls: string[];
  digest?: string;
}

type Index = Map<string, IndexEntry[]>;

const isLoopback = (host: string) =>
  host === 'localhost' ||
  host === '[::1]' ||
  host === '::1' ||
  /^127\./.test(host);

/** Resolves when the work does, or rejects as soon as this caller gives up. */
function unlessAborted<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function parseIndex(body: Buffer, repositoryUrl: string): Index {
  let doc: unknown;
  try {
    doc = parseYaml(body.toString('utf8'));
  } catch (e) {
    throw new ServiceUnavailableError(
      `The index.yaml of Helm repository ${redactUrl(
        repositoryUrl,
      )} is not valid YAML: ${(e as Error).message}`,
    );
  }
  if (!isJsonObject(doc) || !isJsonObject(doc.entries)) {
    throw new ServiceUnavailableError(
      `${redactUrl(
        repositoryUrl,
      )}/index.yaml is not a Helm repository index (no entries)`,
    );
  }
  const index: Index = new Map();
  for (const [chart, versions] of Object.entries(doc.entries)) {
    if (!Array.isArray(versions)) continue;
    index.set(
      chart,
      versions.filter(isJsonObject).map(v => ({
        version: String(v.version),
        urls: Array.isArray(v.urls) ? v.urls.map(String) : [],
        digest: typeof v.digest === 'string' ? v.digest : undefined,
      })),
    );
  }
  return index;
}

/**
 * Fetches pinned charts the way Helm does, from HTTP(S) repositories (`index.yaml`, then the
 * package its entry names, checked against the entry's digest) and OCI registries, and keeps
 * the files that decide which values each chart accepts.
 *
 * @public
 */
export class HelmChartSource {
  readonly #timeoutMs: number;
  readonly #indexTtlMs: number;
  readonly #maxCharts: number;
  readonly #plainHttp: (host: string) => boolean;
  readonly #charts = new Map<string, Promise<ChartFiles>>();
  readonly #indexes = new Map<
    string,
    { expiresAt: number; index: Promise<Index> }
  >();

  constructor(options: HelmChartSourceOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#indexTtlMs = options.indexTtlMs ?? 60_000;
    this.#maxCharts = options.maxCachedCharts ?? 64;
    this.#plainHttp = options.plainHttp ?? isLoopback;
  }

  /**
   * The chart's files. Throws ServiceUnavailableError when the repository cannot be used and
   * NotFoundError when it does not hold the chart or version.
   */
  async getChart(
    location: ChartLocation,
    options: { signal?: AbortSignal } = {},
  ): Promise<ChartFiles> {
    const repositoryUrl = location.repositoryUrl.trim().replace(/\/+$/, '');
    if (
      !/^(https?|oci):\/\//.test(repositoryUrl) ||
      !URL.canParse(repositoryUrl)
    ) {
      throw new InputError(
        `Helm repository URL ${redactUrl(
          repositoryUrl,
        )} must start with https://, http:// or oci://`,
      );
    }
    const key = `${repositoryUrl}\n${location.chart}\n${location.version}`;
    let chart = this.#charts.get(key);
    if (chart) {
      // Most recently used last, so the oldest entry is the one dropped.
      this.#charts.delete(key);
    } else {
      chart = this.#load({ ...location, repositoryUrl });
      chart.catch(() => this.#charts.delete(key));
    }
    this.#charts.set(key, chart);
    if (this.#charts.size > this.#maxCharts) {
      this.#charts.delete(this.#charts.keys().next().value!);
    }
    return unlessAborted(chart, options.signal);
  }

  async #load(location: ChartLocation): Promise<ChartFiles> {
    const signal = AbortSignal.timeout(this.#timeoutMs);
    const { repositoryUrl, chart, version } = location;
    const tgz = repositoryUrl.startsWith('oci://')
      ? await pullOciChart(repositoryUrl, chart, version, {
          signal,
          maxBytes: MAX_PACKAGE_BYTES,
          plainHttp: this.#plainHttp,
        })
      : await this.#downloadPackage(location, signal);
    const files = await readChartPackage(tgz);
    if (
      files.name !== chart ||
      files.version.replace(/^v/, '') !== version.replace(/^v/, '')
    ) {
      throw new ServiceUnavailableError(
        `Helm repository ${redactUrl(repositoryUrl)} served chart ${
          files.name
        } ${files.version} for ${chart} ${version}`,
      );
    }
    return files;
  }

  async #downloadPackage(location: ChartLocation, signal: AbortSignal) {
    const { repositoryUrl, chart, version } = location;
    const repo = redactUrl(repositoryUrl);
    const index = await this.#index(repositoryUrl, signal);
    const versions = index.get(chart);
    if (!versions) {
      throw new NotFoundError(
        `Chart ${chart} not found in Helm repository ${repo}`,
      );
    }
    const entry = versions.find(
      v => v.version.replace(/^v/, '') === version.replace(/^v/, ''),
    );
    if (!entry) {
      const known = versions
        .slice(0, 10)
        .map(v => v.version)
        .join(', ');
      throw new NotFoundError(
        `Chart ${chart} version ${version} not found in Helm repository ${repo} (it has ${
          known || 'no versions'
        })`,
      );
    }
    if (entry.urls.length === 0) {
      throw new ServiceUnavailableError(
        `Helm repository ${repo} lists chart ${chart} ${version} without a download URL`,
      );
    }
    const repoCreds = splitCredentials(repositoryUrl);
    // Relative package URLs are relative to the repository, as in Helm.
    const packageUrl = new URL(
      entry.urls[0],
      `${repoCreds.url.replace(/\/+$/, '')}/`,
    );
    // Like Helm without --pass-credentials: credentials go to the repository's own host only.
    const sameOrigin = packageUrl.origin === new URL(repoCreds.url).origin;
    const res = await download(packageUrl.toString(), {
      repository: repositoryUrl,
      signal,
      maxBytes: MAX_PACKAGE_BYTES,
      headers:
        sameOrigin && repoCreds.authorization
          ? { authorization: repoCreds.authorization }
          : undefined,
    });
    if (res.status !== 200) {
      throw failedAnswer(
        res,
        packageUrl.toString(),
        repositoryUrl,
        `The package of chart ${chart} ${version} listed by Helm repository ${repo} is missing (${redactUrl(
          packageUrl.toString(),
        )})`,
      );
    }
    const expected = entry.digest?.replace(/^sha256:/, '');
    if (expected && sha256Of(res.body) !== expected) {
      throw new ServiceUnavailableError(
        `The package of chart ${chart} ${version} from Helm repository ${repo} does not match the digest in its index.yaml; refusing to use it`,
      );
    }
    return res.body;
  }

  #index(repositoryUrl: string, signal: AbortSignal): Promise<Index> {
    const cached = this.#indexes.get(repositoryUrl);
    if (cached && cached.expiresAt > Date.now()) return cached.index;
    const index = (async () => {
      const { url, authorization } = splitCredentials(repositoryUrl);
      const indexUrl = `${url.replace(/\/+$/, '')}/index.yaml`;
      const res = await download(indexUrl, {
        repository: repositoryUrl,
        signal,
        maxBytes: MAX_INDEX_BYTES,
        headers: authorization ? { authorization } : undefined,
      });
      if (res.status !== 200) {
        throw failedAnswer(
          res,
          indexUrl,
          repositoryUrl,
          `No Helm repository index at ${redactUrl(indexUrl)}`,
        );
      }
      return parseIndex(res.body, repositoryUrl);
    })();
    index.catch(() => this.#indexes.delete(repositoryUrl));
    this.#indexes.set(repositoryUrl, {
      expiresAt: Date.now() + this.#indexTtlMs,
      index,
    });
    if (this.#indexes.size > MAX_CACHED_INDEXES) {
      this.#indexes.delete(this.#indexes.keys().next().value!);
    }
    return index;
  }
}
