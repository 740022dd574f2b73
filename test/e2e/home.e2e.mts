/**
 * The portal's home page, as a newcomer lands on it after signing in as guest: the ML tools
 * at a glance (instances counted by tool and health), the templates to start from and the
 * guest's own instances, with none of Backstage's stock text. One instance is put straight
 * into the sandbox cluster (as a deploy leaves it: a labelled HelmRelease), owned by the
 * guest, so that every card has something to show; its backing stores must reach the
 * catalog with readable names and descriptions. Opening a template from the home page
 * shows the template's title in the breadcrumb.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser.mts';
import {
  REPO_ROOT,
  freePort,
  isListening,
  startProcess,
  statusOf,
  waitFor,
  type Started,
} from '../support/processes.mts';

const FRONTEND_PORT = 3200;
const BACKEND_PORT = 7207;
const FRONTEND = `http://localhost:${FRONTEND_PORT}`;
const BACKEND = `http://localhost:${BACKEND_PORT}`;
const results = join(REPO_ROOT, 'test-results', 'e2e');
const dataDir = mkdtempSync(join(tmpdir(), 'ml-platform-home-data-'));
const token = randomBytes(24).toString('hex');
const auth = { authorization: `Bearer ${token}` };
const NAMESPACE = 'ml-home';
const NAME = 'mlflow-home';
const TITLE = 'MLflow of the home page test';
const ENTITY = `sandbox-${NAMESPACE}-${NAME}`;
let k8s = '';
let portal: Started;
let browser: Browser;
let page: Page;

async function kube(method: string, path: string, body: unknown) {
  const res = await fetch(`${k8s}${path}`, {
    method,
    headers: {
      authorization: 'Bearer sandbox-token',
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
  assert.ok(
    res.ok || res.status === 409,
    `${method} ${path}: ${res.status} ${await res.text()}`,
  );
}

async function entity(kind: string, name: string) {
  const res = await fetch(
    `${BACKEND}/api/catalog/entities/by-name/${kind}/default/${name}`,
    { headers: auth },
  );
  return res.status === 200 ? await res.json() : undefined;
}

/** A deployed MLflow instance as the deploy action labels and annotates its release. */
async function seedInstance() {
  await kube('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: NAMESPACE,
      labels: { 'app.kubernetes.io/managed-by': 'ml-platform-backstage' },
    },
  });
  await kube(
    'POST',
    `/apis/helm.toolkit.fluxcd.io/v2/namespaces/${NAMESPACE}/helmreleases`,
    {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: {
        name: NAME,
        namespace: NAMESPACE,
        labels: {
          'app.kubernetes.io/managed-by': 'ml-platform-backstage',
          'app.kubernetes.io/component': 'main',
          'app.kubernetes.io/instance': NAME,
          'ml-platform.io/instance': NAME,
          'ml-platform.io/tool': 'mlflow',
          'ml-platform.io/owner': 'guest',
        },
        annotations: {
          'ml-platform.io/owner': 'user:development/guest',
          'ml-platform.io/title': TITLE,
          'ml-platform.io/backing-stores': JSON.stringify([
            {
              kind: 'database',
              name: `${NAME}-mlflow-db`,
              description: 'PostgreSQL database "mlflow": the tracking store.',
            },
            {
              kind: 'database',
              name: `${NAME}-mlflow-auth-db`,
              description:
                'PostgreSQL database "mlflow_auth": the permission store of MLflow.',
            },
          ]),
        },
      },
      spec: {
        interval: '10m',
        chart: {
          spec: {
            chart: 'mlflow',
            version: '1.8.1',
            sourceRef: {
              kind: 'HelmRepository',
              name: 'community-charts',
              namespace: NAMESPACE,
            },
          },
        },
        values: {},
      },
    },
  );
}

describe('the home page', () => {
  before(async () => {
    mkdirSync(results, { recursive: true });
    for (const port of [FRONTEND_PORT, BACKEND_PORT]) {
      assert.equal(
        await isListening(port),
        false,
        `port ${port} is already in use; stop whatever runs there`,
      );
    }
    const k8sPort = await freePort();
    let keycloakPort = await freePort();
    while (keycloakPort === k8sPort) keycloakPort = await freePort();
    k8s = `http://127.0.0.1:${k8sPort}`;
    portal = startProcess('bash', ['scripts/start.sh'], {
      cwd: REPO_ROOT,
      logFile: join(results, 'home-portal.log'),
      env: {
        ...process.env,
        ML_PLATFORM_DATA_DIR: dataDir,
        APP_CONFIG_app_baseUrl: FRONTEND,
        APP_CONFIG_backend_baseUrl: BACKEND,
        APP_CONFIG_backend_listen_port: String(BACKEND_PORT),
        APP_CONFIG_backend_cors_origin: FRONTEND,
        ML_PLATFORM_SANDBOX_K8S_PORT: String(k8sPort),
        ML_PLATFORM_SANDBOX_KEYCLOAK_PORT: String(keycloakPort),
        ML_PLATFORM_K8S_URL: k8s,
        ML_PLATFORM_KEYCLOAK_URL: `http://127.0.0.1:${keycloakPort}`,
        APP_CONFIG_backend_auth_externalAccess: JSON.stringify([
          { type: 'static', options: { token, subject: 'e2e-test' } },
        ]),
        BROWSER: 'none',
      },
    });
    await waitFor(
      `backend readiness on :${BACKEND_PORT}`,
      async () =>
        (await statusOf(`${BACKEND}/.backstage/health/v1/readiness`)) === 200
          ? true
          : undefined,
      { timeoutMs: 300_000, process: portal },
    );
    await seedInstance();
    await waitFor(
      `frontend on :${FRONTEND_PORT}`,
      async () => ((await statusOf(FRONTEND)) === 200 ? true : undefined),
      { timeoutMs: 300_000, process: portal },
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(60_000);
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    try {
      await portal?.stop('SIGINT', 60_000);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it(
    'puts the instance, its backing stores (readable names) and the templates in the catalog',
    { timeout: 240_000 },
    async () => {
      const component = await waitFor(
        'the seeded instance in the catalog',
        () => entity('component', ENTITY),
        {
          timeoutMs: 180_000,
          process: portal,
        },
      );
      assert.equal(component.metadata.title, TITLE);
      assert.deepEqual([...component.spec.dependsOn].sort(), [
        `resource:default/${ENTITY}-database-mlflow-auth-db`,
        `resource:default/${ENTITY}-database-mlflow-db`,
      ]);
      // The templates come from the repository's catalog-info.yaml Location, a few
      // processing rounds after start-up; the home page lists them once they are there.
      await waitFor(
        'the MLflow template in the catalog',
        () => entity('template', 'mlflow'),
        {
          timeoutMs: 180_000,
          process: portal,
        },
      );
      const auth = await entity(
        'resource',
        `${ENTITY}-database-mlflow-auth-db`,
      );
      assert.equal(
        auth?.metadata.description,
        `PostgreSQL database "mlflow_auth": the permission store of MLflow. Backs mlflow instance sandbox/${NAMESPACE}/${NAME}.`,
      );
    },
  );

  it(
    'shows the ML tools at a glance, the templates and the guest\u2019s instances',
    { timeout: 420_000 },
    async () => {
      try {
        await page.goto(`${FRONTEND}/`, {
          waitUntil: 'domcontentloaded',
          timeout: 300_000,
        });
        // The dev server compiles the app on first load; give it time on 2 cores.
        await page
          .getByRole('button', { name: 'Enter' })
          .click({ timeout: 300_000 });

        const glance = page.getByRole('table', {
          name: 'ML tool instances by tool and health',
        });
        await glance.waitFor();
        await glance
          .getByRole('link', { name: '1 instance of mlflow', exact: true })
          .waitFor();
        await page.getByText('1 instance of 1 tool;').waitFor();

        const templates = page.getByRole('list', { name: 'Templates' });
        await templates
          .getByRole('link', { name: 'MLflow tracking server' })
          .waitFor();
        await templates
          .getByRole('link', { name: 'Decommission an ML tool instance' })
          .waitFor();

        const mine = page.getByRole('list', { name: 'Your instances' });
        await mine.getByRole('link', { name: TITLE }).waitFor();

        assert.equal(
          await page.getByText('This widget is defined in').count(),
          0,
          'no stock home page text',
        );
        await page.waitForTimeout(1000); // let the grid settle for the picture
        await page.screenshot({
          path: join(results, 'home.png'),
          fullPage: true,
        });
      } catch (e) {
        await page.screenshot({
          path: join(results, 'home-failure.png'),
          fullPage: true,
        });
        throw e;
      }
    },
  );

  it(
    'opens a template from the home page, titled by its title in the breadcrumb',
    { timeout: 180_000 },
    async () => {
      try {
        await page
          .getByRole('list', { name: 'Templates' })
          .getByRole('link', { name: 'MLflow tracking server' })
          .click();
        await page.waitForURL(/\/create\/templates\/default\/mlflow$/);
        const crumbs = page.getByRole('navigation', { name: /breadcrumb/i });
        await crumbs
          .getByText('MLflow tracking server', { exact: true })
          .waitFor();
        assert.equal(
          await crumbs.getByText('mlflow', { exact: true }).count(),
          0,
          'the name gave way to the title',
        );
        await page.screenshot({
          path: join(results, 'home-template.png'),
          fullPage: true,
        });
      } catch (e) {
        await page.screenshot({
          path: join(results, 'home-template-failure.png'),
          fullPage: true,
        });
        throw e;
      }
    },
  );
});
