/**
 * The start command, end to end, as a newcomer runs it: `bash scripts/start.sh` brings up
 * the frontend on :3000 and the backend on :7007 on SQLite files; a person signs in as guest
 * in a real headless Chromium, finds the repository's component in the catalog and its
 * workload on the Kubernetes tab (served by the sandbox cluster); Ctrl-C
 * stops everything; a second start still holds what was registered during the first.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser.mts';
import {
  REPO_ROOT,
  isListening,
  startProcess,
  statusOf,
  waitFor,
  type Started,
} from '../support/processes.mts';

const FRONTEND = 'http://localhost:3000';
const BACKEND = 'http://localhost:7007';
const screenshots = join(REPO_ROOT, 'test-results', 'e2e');
const dataDir = mkdtempSync(join(tmpdir(), 'ml-platform-e2e-data-'));
const token = randomBytes(24).toString('hex');
const auth = { authorization: `Bearer ${token}` };
let browser: Browser;

function startPortal(run: string): Started {
  return startProcess('bash', ['scripts/start.sh'], {
    cwd: REPO_ROOT,
    logFile: join(screenshots, `portal-${run}.log`),
    env: {
      ...process.env,
      ML_PLATFORM_DATA_DIR: dataDir,
      // A static token lets the test use the API without a browser session.
      APP_CONFIG_backend_auth_externalAccess: JSON.stringify([
        { type: 'static', options: { token, subject: 'e2e-test' } },
      ]),
      BROWSER: 'none',
    },
  });
}

async function waitForPortal(portal: Started) {
  await waitFor(
    'backend readiness on :7007',
    async () =>
      (await statusOf(`${BACKEND}/.backstage/health/v1/readiness`)) === 200
        ? true
        : undefined,
    { timeoutMs: 300_000, process: portal },
  );
  await waitFor(
    'frontend on :3000',
    async () => ((await statusOf(FRONTEND)) === 200 ? true : undefined),
    { timeoutMs: 300_000, process: portal },
  );
}

async function entityStatus(kind: string, name: string) {
  return statusOf(
    `${BACKEND}/api/catalog/entities/by-name/${kind}/default/${name}`,
    auth,
  );
}

describe('the start command', () => {
  before(async () => {
    mkdirSync(screenshots, { recursive: true });
    for (const port of [3000, 7007]) {
      assert.equal(
        await isListening(port),
        false,
        `port ${port} is already in use; stop the running portal first`,
      );
    }
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  it('serves the catalog to a guest in Chromium, stops on Ctrl-C, and keeps data across restarts', async () => {
    // Only `url` locations may be registered through the API. The location row and its
    // Location entity are what must survive the restart; the URL itself need not resolve.
    const target = `https://git.example.invalid/e2e/${randomBytes(6).toString(
      'hex',
    )}/catalog-info.yaml`;

    // First start.
    let locationId = '';
    const first = startPortal('first');
    try {
      await waitForPortal(first);
      const registered = await fetch(`${BACKEND}/api/catalog/locations`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'url', target }),
      });
      const registeredBody = await registered.text();
      assert.equal(registered.status, 201, registeredBody);
      locationId = JSON.parse(registeredBody).location.id;

      const page = await browser.newPage({
        viewport: { width: 1400, height: 900 },
      });
      try {
        await page.goto(`${FRONTEND}/catalog`, {
          waitUntil: 'domcontentloaded',
        });
        // The dev server compiles the app on first load; give it time on 2 cores.
        await page
          .getByRole('button', { name: 'Enter' })
          .click({ timeout: 240_000 });
        await page
          .getByRole('link', { name: 'ML Platform for Backstage', exact: true })
          .first()
          .waitFor({ timeout: 60_000 });
        await page.screenshot({
          path: join(screenshots, 'catalog.png'),
          fullPage: true,
        });
        await page
          .getByRole('link', { name: 'ML Platform for Backstage', exact: true })
          .first()
          .click();
        await page
          .getByText('The Backstage plugins, templates and sandbox')
          .first()
          .waitFor({ timeout: 60_000 });
        await page.screenshot({
          path: join(screenshots, 'component-page.png'),
          fullPage: true,
        });

        // Backstage's own Kubernetes tab, served from the sandbox cluster: the seeded demo
        // Deployment carries the component's `backstage.io/kubernetes-id` label.
        await page
          .getByRole('link', { name: 'Kubernetes', exact: true })
          .click();
        await page
          .getByText('1 pod', { exact: true })
          .waitFor({ timeout: 60_000 });
        await page.getByText('sandbox', { exact: true }).first().click();
        await page
          .getByText('ml-platform-backstage', { exact: true })
          .first()
          .waitFor({ timeout: 30_000 });
        await page.waitForTimeout(1000); // let the accordion finish opening for the screenshot
        await page.screenshot({
          path: join(screenshots, 'kubernetes-tab.png'),
          fullPage: true,
        });
      } catch (e) {
        await page.screenshot({
          path: join(screenshots, 'failure.png'),
          fullPage: true,
        });
        throw e;
      } finally {
        await page.close();
      }
    } finally {
      // Ctrl-C: SIGINT to the whole process group, as a terminal does.
      await first.stop('SIGINT', 60_000);
    }
    for (const port of [3000, 7007]) {
      assert.equal(
        await isListening(port),
        false,
        `port ${port} still answers after Ctrl-C`,
      );
    }

    // Second start: the registered location and its entity come back from the SQLite files.
    const second = startPortal('second');
    try {
      await waitForPortal(second);
      const res = await fetch(
        `${BACKEND}/api/catalog/locations/${locationId}`,
        { headers: auth },
      );
      assert.equal(
        res.status,
        200,
        'the location registered before the restart is still there',
      );
      assert.equal((await res.json()).target, target);
      assert.equal(
        await entityStatus('component', 'ml-platform-backstage'),
        200,
      );
    } finally {
      await second.stop('SIGINT', 60_000);
    }
  });
});
