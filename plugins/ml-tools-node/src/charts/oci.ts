import { createHash } from 'node:crypto';
import { InputError, ServiceUnavailableError } from '@backstage/errors';
import { download, failedAnswer, redactUrl, type Downloaded } from './http';

const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';
const CHART_LAYER_TYPE = 'application/vnd.cncf.helm.chart.content.v1.tar.gz';

export interface OciPullOptions {
  signal: AbortSignal;
  callerSignal?: AbortSignal;
  maxBytes: number;
  /** Registries spoken to over plain HTTP, as `helm --plain-http` does. */
  plainHttp: (host: string) => boolean;
}

function challengeParams(
  header: string | null,
): Record<string, string> | undefined {
  if (!header || !/^bearer\s/i.test(header)) return undefined;
  const params: Record<string, string> = {};
  for (const m of header.matchAll(/(\w+)="([^"]*)"/g)) params[m[1]] = m[2];
  return params.realm ? params : undefined;
}

export function sha256Of(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * Pulls a chart package from an OCI registry with the registry v2 API, as Helm does: the
 * manifest of tag `<version>` (`+` spelled `_`), then its chart content layer. An anonymous or
 * basic-auth token is fetched when the registry challenges with Bearer.
 */
export async function pullOciChart(
  repositoryUrl: string,
  chart: string,
  version: string,
  options: OciPullOptions,
): Promise<Buffer> {
  const parsed = new URL(repositoryUrl);
  const scheme = options.plainHttp(parsed.hostname) ? 'http' : 'https';
  const path = parsed.pathname.replace(/^\/+|\/+$/g, '');
  const name = path ? `${path}/${chart}` : chart;
  const base = `${scheme}://${parsed.host}/v2/${name}`;
  const basic =
    parsed.username || parsed.password
      ? `Basic ${Buffer.from(
          `${decodeURIComponent(parsed.username)}:${decodeURIComponent(
            parsed.password,
          )}`,
        ).toString('base64')}`
      : undefined;
  const tag = version.replace(/\+/g, '_');
  const where = `${redactUrl(repositoryUrl)}/${chart}:${tag}`;
  let authorization: string | undefined;

  const get = async (url: string, accept: string, maxBytes: number) => {
    const send = () =>
      download(
        url,
        {
          repository: repositoryUrl,
          signal: options.signal,
          maxBytes,
          headers: {
            accept,
            ...(authorization ? { authorization } : {}),
          },
        },
        options.callerSignal,
      );
    let res = await send();
    if (res.status === 401 && !authorization) {
      authorization = await authorize(res, name, basic, repositoryUrl, options);
      if (authorization) res = await send();
    }
    return res;
  };

  const manifestRes = await get(
    `${base}/manifests/${tag}`,
    MANIFEST_TYPE,
    4 * 1024 * 1024,
  );
  if (manifestRes.status !== 200) {
    throw failedAnswer(
      manifestRes,
      `${base}/manifests/${tag}`,
      repositoryUrl,
      `Chart ${chart} version ${version} not found in OCI registry ${redactUrl(
        repositoryUrl,
      )}`,
    );
  }
  let layers: Array<{ mediaType?: string; digest?: string }>;
  try {
    layers = JSON.parse(manifestRes.body.toString('utf8')).layers ?? [];
  } catch {
    throw new ServiceUnavailableError(
      `${where} has a manifest that is not JSON`,
    );
  }
  const layer = layers.find(l => l.mediaType === CHART_LAYER_TYPE);
  if (!layer?.digest) {
    throw new InputError(
      `${where} is not a Helm chart: no layer of type ${CHART_LAYER_TYPE}`,
    );
  }
  const blobRes = await get(
    `${base}/blobs/${layer.digest}`,
    CHART_LAYER_TYPE,
    options.maxBytes,
  );
  if (blobRes.status !== 200) {
    throw failedAnswer(
      blobRes,
      `${base}/blobs/${layer.digest}`,
      repositoryUrl,
      `The package of chart ${chart} version ${version} is missing from OCI registry ${redactUrl(
        repositoryUrl,
      )}`,
    );
  }
  const [algorithm, expected] = layer.digest.split(':');
  if (algorithm === 'sha256' && sha256Of(blobRes.body) !== expected) {
    throw new ServiceUnavailableError(
      `The package of ${where} does not match its digest ${layer.digest}; refusing to use it`,
    );
  }
  return blobRes.body;
}

/** The registry's Bearer handshake: ask its token service for pull access to the chart. */
async function authorize(
  challenged: Downloaded,
  name: string,
  basic: string | undefined,
  repositoryUrl: string,
  options: OciPullOptions,
): Promise<string | undefined> {
  const header = challenged.headers.get('www-authenticate');
  const params = challengeParams(header);
  if (!params) return /^basic\s/i.test(header ?? '') ? basic : undefined;
  const tokenUrl = new URL(params.realm);
  if (params.service) tokenUrl.searchParams.set('service', params.service);
  tokenUrl.searchParams.set('scope', params.scope ?? `repository:${name}:pull`);
  const res = await download(
    tokenUrl.toString(),
    {
      repository: repositoryUrl,
      signal: options.signal,
      maxBytes: 1024 * 1024,
      headers: basic ? { authorization: basic } : undefined,
    },
    options.callerSignal,
  );
  if (res.status !== 200) {
    throw failedAnswer(
      res,
      tokenUrl.toString(),
      repositoryUrl,
      `The token service of OCI registry ${redactUrl(
        repositoryUrl,
      )} was not found`,
    );
  }
  try {
    const body = JSON.parse(res.body.toString('utf8'));
    const token = body.token ?? body.access_token;
    return typeof token === 'string' ? `Bearer ${token}` : undefined;
  } catch {
    throw new ServiceUnavailableError(
      `The token service of OCI registry ${redactUrl(
        repositoryUrl,
      )} did not answer JSON`,
    );
  }
}
