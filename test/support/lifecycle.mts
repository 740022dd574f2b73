/**
 * The frame of the browser lifecycle stories (test/e2e/*-lifecycle.e2e.mts): the portal
 * started with `bash scripts/start.sh` on its own ports (frontend :3100, backend :7107,
 * the sandbox on free ports, a temporary data folder), a headless Chromium page, and the
 * helpers every story uses. Screenshots and the portal's output land in
 * test-results/e2e/<prefix>-*.
 */
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from './browser.mts';
import {
  REPO_ROOT,
  freePort,
  isListening,
  startProcess,
  statusOf,
  waitFor,
  type Started,
} from './processes.mts';

const FRONTEND_PORT = 3100;
const BACKEND_PORT = 7107;
export const FRONTEND = `http://localhost:${FRONTEND_PORT}`;
export const BACKEND = `http://localhost:${BACKEND_PORT}`;
export const results = join(REPO_ROOT, 'test-results', 'e2e');

/** One story's portal, page and helpers; `prefix` names its screenshots and log. */
export function lifecycleStory(prefix: string) {
  const dataDir = mkdtempSync(join(tmpdir(), `ml-platform-${prefix}-data-`));
  const token = randomBytes(24).toString('hex');
  const auth = { authorization: `Bearer ${token}` };
  let portal: Started | undefined;
  let browser: Browser | undefined;
  let page: Page;
  /** Set once a step fails: the later steps build on it and are skipped. */
  let broken: string | undefined;
  let step = 0;

  async function screenshot(name: string) {
    step += 1;
    await page.screenshot({
      path: join(
        results,
        `${prefix}-${String(step).padStart(2, '0')}-${name}.png`,
      ),
      fullPage: true,
    });
  }

  /** Runs one step of the story; after a failed step the next ones are skipped. */
  async function storyStep(
    t: TestContext,
    name: string,
    body: () => Promise<void>,
  ) {
    if (broken) {
      t.skip(`an earlier step failed: ${broken}`);
      return;
    }
    try {
      await body();
    } catch (e) {
      broken = name;
      await page
        ?.screenshot({
          path: join(results, `${prefix}-failure-${name}.png`),
          fullPage: true,
        })
        .catch(() => undefined);
      throw e;
    }
  }

  async function api(path: string) {
    return fetch(`${BACKEND}${path}`, {
      headers: auth,
      signal: AbortSignal.timeout(10_000),
    });
  }

  async function entityStatus(kind: string, name: string) {
    return statusOf(
      `${BACKEND}/api/catalog/entities/by-name/${kind}/default/${name}`,
      auth,
    );
  }

  /** The scaffolder task behind the task page the browser shows. */
  async function taskOfPage(): Promise<{ id: string; status: string }> {
    const id = new URL(page.url()).pathname.split('/').pop()!;
    const res = await api(`/api/scaffolder/v2/tasks/${id}`);
    assert.equal(res.status, 200, `task ${id}`);
    return { id, status: (await res.json()).status };
  }

  /** The card on /create whose title is `title`, and its Choose button. */
  function templateCard(title: string): Locator {
    // The innermost element holding both the title and a Choose button is the card itself.
    return page
      .locator('div')
      .filter({ has: page.getByRole('heading', { name: title, exact: true }) })
      .filter({ has: page.getByRole('button', { name: 'Choose' }) })
      .last();
  }

  /**
   * Picks a Group in a group picker of the form, as a person does: open, choose the
   * option titled with the group's full Keycloak path (`/data-scientists/vision`).
   */
  async function pickGroup(field: string, path: string) {
    await page.getByRole('textbox', { name: field, exact: true }).click();
    await page
      .getByRole('option', { name: path, exact: true })
      .click({ timeout: 30_000 });
    await page.keyboard.press('Escape');
  }

  /**
   * The review step shows each `[label, value]` as one row, and names groups as the
   * pickers do, by their path: no `group:default/…` ref anywhere in it.
   */
  async function expectReview(rows: Array<[string, string]>) {
    const review = page.getByRole('table');
    for (const [label, value] of rows) {
      await review
        .getByRole('row', { name: `${label} ${value}`, exact: true })
        .waitFor();
    }
    assert.equal(await review.getByText('group:default/').count(), 0);
  }

  /** Starts the portal and the browser (the story's `before`). */
  async function start() {
    mkdirSync(results, { recursive: true });
    // Only this run's screenshots, so a stale failure picture never misleads.
    for (const file of readdirSync(results)) {
      if (file.startsWith(`${prefix}-`) && file.endsWith('.png'))
        rmSync(join(results, file));
    }
    for (const port of [FRONTEND_PORT, BACKEND_PORT]) {
      assert.equal(
        await isListening(port),
        false,
        `port ${port} is already in use; stop whatever runs there (another run of this test?)`,
      );
    }
    const k8sPort = await freePort();
    let keycloakPort = await freePort();
    while (keycloakPort === k8sPort) keycloakPort = await freePort();
    portal = startProcess('bash', ['scripts/start.sh'], {
      cwd: REPO_ROOT,
      logFile: join(results, `${prefix}-portal.log`),
      env: {
        ...process.env,
        ML_PLATFORM_DATA_DIR: dataDir,
        APP_CONFIG_app_baseUrl: FRONTEND,
        APP_CONFIG_backend_baseUrl: BACKEND,
        APP_CONFIG_backend_listen_port: String(BACKEND_PORT),
        APP_CONFIG_backend_cors_origin: FRONTEND,
        ML_PLATFORM_SANDBOX_K8S_PORT: String(k8sPort),
        ML_PLATFORM_SANDBOX_KEYCLOAK_PORT: String(keycloakPort),
        ML_PLATFORM_K8S_URL: `http://127.0.0.1:${k8sPort}`,
        ML_PLATFORM_KEYCLOAK_URL: `http://127.0.0.1:${keycloakPort}`,
        // A static token lets the test wait on the catalog and the task without a session.
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
    // The dev server serves on the port of app.baseUrl (APP_CONFIG_app_baseUrl).
    await waitFor(
      `frontend on :${FRONTEND_PORT}`,
      async () => ((await statusOf(FRONTEND)) === 200 ? true : undefined),
      { timeoutMs: 300_000, process: portal },
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(30_000);
  }

  /**
   * The guest's decommission of the story's instance, through the Decommission template,
   * refused: the guest is not a member of the owner group and the portal grants it nothing
   * more, so the instance stays and the task says who may remove it (`refusal`).
   */
  async function guestDecommissionRefused(
    t: TestContext,
    instance: { name: string; entity: string; refusal: RegExp },
  ) {
    const { name, entity, refusal } = instance;
    await storyStep(t, 'decommission', async () => {
      await page.goto(`${FRONTEND}/create`, { waitUntil: 'domcontentloaded' });
      await templateCard('Decommission an ML tool instance')
        .getByRole('button', { name: 'Choose' })
        .click({ timeout: 60_000 });
      // The instance is picked from the catalog (no free name), then its name typed again.
      // With a single instance in the catalog the picker selects it and locks itself.
      const picker = page.getByRole('textbox', {
        name: 'Instance',
        exact: true,
      });
      await picker.waitFor();
      if (await picker.isEnabled()) {
        await picker.click();
        await page
          .getByRole('option', { name: new RegExp(name) })
          .first()
          .click({ timeout: 30_000 });
        await page.keyboard.press('Escape');
      }
      assert.match(await picker.inputValue(), new RegExp(name));
      await page
        .getByRole('textbox', {
          name: 'Type the instance name to confirm',
          exact: true,
        })
        .fill(name);
      await screenshot('decommission-form');
      await page.getByRole('button', { name: 'Review' }).click();
      await page
        .getByRole('row', { name: new RegExp(`^Instance .*${entity}`) })
        .waitFor();
      await page.getByRole('button', { name: 'Create' }).click();

      await page.waitForURL(/\/create\/tasks\/[^/]+$/, { timeout: 30_000 });
      await page.getByText(refusal).first().waitFor({ timeout: 120_000 });
      const task = await waitFor(
        'the decommission task to end',
        async () => {
          const current = await taskOfPage();
          return current.status === 'processing' ? undefined : current;
        },
        { timeoutMs: 30_000, process: portal },
      );
      assert.equal(task.status, 'failed', `task ${task.id}`);
      assert.equal(await entityStatus('component', entity), 200);
      await screenshot('decommission-refused');
    });
  }

  /** Stops the browser and the portal, removes the data folder (the story's `after`). */
  async function stop() {
    await browser?.close().catch(() => undefined);
    try {
      // Ctrl-C: SIGINT to the whole process group, as a terminal does.
      await portal?.stop('SIGINT', 60_000);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  return {
    auth,
    get page() {
      return page;
    },
    get portal() {
      return portal;
    },
    screenshot,
    storyStep,
    api,
    entityStatus,
    taskOfPage,
    templateCard,
    pickGroup,
    expectReview,
    guestDecommissionRefused,
    start,
    stop,
  };
}
