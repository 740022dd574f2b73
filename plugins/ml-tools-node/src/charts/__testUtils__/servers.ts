import { createHash } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import type { ChartFiles } from '../types';
import { packageChart } from './contracts';

export interface ServedChart {
  files: ChartFiles;
  /** Subcharts shipped as nested `.tgz` instead of folders. */
  packedSubcharts?: string[];
  /** Index the package under an absolute URL instead of a relative one. */
  absoluteUrl?: boolean;
  /** Serve bytes that do not match the digest the index announces. */
  tampered?: boolean;
}

export interface TestServer {
  /** `http://127.0.0.1:<port>/charts` or `oci://127.0.0.1:<port>/charts`. */
  url: string;
  /** Every request path received, in order. */
  requests: string[];
  close(): Promise<void>;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse, base: string) => void,
  scheme: string,
): Promise<TestServer> {
  const requests: string[] = [];
  let base = '';
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res, base);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return {
    url: `${scheme}://127.0.0.1:${port}/charts`,
    requests,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A classic Helm repository: `/charts/index.yaml` and the packages it lists. */
export async function startHelmRepository(
  charts: ServedChart[],
): Promise<TestServer> {
  const packages = new Map<string, Buffer>();
  const entries: Record<string, object[]> = {};
  const index = {
    apiVersion: 'v1',
    entries,
    generated: '2026-01-01T00:00:00Z',
  };
  for (const c of charts) {
    const file = `${c.files.name}-${c.files.version}.tgz`;
    const tgz = packageChart(c.files, c.packedSubcharts);
    packages.set(
      file,
      c.tampered ? Buffer.concat([tgz, Buffer.from('x')]) : tgz,
    );
    (entries[c.files.name] ??= []).push({
      name: c.files.name,
      version: c.files.version,
      digest: sha256(tgz),
      urls: [
        c.absoluteUrl ? `@BASE@/charts/packages/${file}` : `packages/${file}`,
      ],
    });
  }
  return listen((req, res, base) => {
    const path = req.url ?? '';
    if (path === '/charts/index.yaml') {
      res.setHeader('content-type', 'application/x-yaml');
      res.end(stringify(index).replace(/@BASE@/g, base));
      return;
    }
    const pkg = packages.get(path.replace('/charts/packages/', ''));
    if (path.startsWith('/charts/packages/') && pkg) {
      res.setHeader('content-type', 'application/gzip');
      res.end(pkg);
      return;
    }
    res.statusCode = 404;
    res.end('not found');
  }, 'http');
}

const TOKEN = 'registry-token-1';

/**
 * An OCI registry holding charts under `charts/<name>:<version>` that asks for a Bearer
 * token from its `/token` service, as Docker Hub does.
 */
export async function startOciRegistry(
  charts: ServedChart[],
): Promise<TestServer> {
  const manifests = new Map<string, Buffer>();
  const blobs = new Map<string, Buffer>();
  for (const c of charts) {
    const tgz = packageChart(c.files, c.packedSubcharts);
    const digest = `sha256:${sha256(tgz)}`;
    blobs.set(
      digest,
      c.tampered ? Buffer.concat([tgz, Buffer.from('x')]) : tgz,
    );
    const config = Buffer.from(
      JSON.stringify({ name: c.files.name, version: c.files.version }),
    );
    manifests.set(
      `${c.files.name}:${c.files.version.replace(/\+/g, '_')}`,
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: {
            mediaType: 'application/vnd.cncf.helm.config.v1+json',
            digest: `sha256:${sha256(config)}`,
            size: config.length,
          },
          layers: [
            {
              mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar.gz',
              digest,
              size: tgz.length,
            },
          ],
        }),
      ),
    );
  }
  return listen((req, res, base) => {
    const url = new URL(req.url ?? '', base);
    if (url.pathname === '/token') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ token: TOKEN, expires_in: 300 }));
      return;
    }
    const m = /^\/v2\/charts\/([^/]+)\/(manifests|blobs)\/(.+)$/.exec(
      url.pathname,
    );
    if (!m) {
      res.statusCode = 404;
      res.end();
      return;
    }
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.statusCode = 401;
      res.setHeader(
        'www-authenticate',
        `Bearer realm="${base}/token",service="test-registry",scope="repository:charts/${m[1]}:pull"`,
      );
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED' }] }));
      return;
    }
    const body =
      m[2] === 'manifests' ? manifests.get(`${m[1]}:${m[3]}`) : blobs.get(m[3]);
    if (!body) {
      res.statusCode = 404;
      res.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN' }] }));
      return;
    }
    res.setHeader(
      'content-type',
      m[2] === 'manifests'
        ? 'application/vnd.oci.image.manifest.v1+json'
        : 'application/octet-stream',
    );
    res.end(body);
  }, 'oci');
}

/** A server that accepts connections and never answers. */
export async function startSilentServer(): Promise<TestServer> {
  return listen(() => undefined, 'http');
}
