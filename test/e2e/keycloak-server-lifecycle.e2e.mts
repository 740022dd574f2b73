/**
 * A Keycloak server's life in the portal: sign in as guest, pick the "Keycloak server"
 * template on /create, fill its form (owner group from the sandbox Keycloak, a database
 * volume size), run it, open the instance's page and see it healthy (every check the
 * backend runs for it ok, the Workloads check naming the server's and PostgreSQL's
 * StatefulSets), the note saying it has no roles in the platform's realm, and its admin
 * console on the instance's host; then ask to decommission it as the guest, who does not
 * own it, and see the portal refuse with the owner named while the instance stays.
 *
 * The portal is `bash scripts/start.sh` on other ports than `npm start` and
 * portal.e2e.mts (frontend :3100, backend :7107, sandbox on free ports, a temporary data
 * folder), so it runs next to a developer's portal. Screenshots of every step land in
 * test-results/e2e/keycloak-*.png, the portal's output in keycloak-portal.log.
 */
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
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

const FRONTEND_PORT = 3100;
const BACKEND_PORT = 7107;
const FRONTEND = `http://localhost:${FRONTEND_PORT}`;
const BACKEND = `http://localhost:${BACKEND_PORT}`;
const results = join(REPO_ROOT, 'test-results', 'e2e');
const dataDir = mkdtempSync(join(tmpdir(), 'ml-platform-keycloak-data-'));
const token = randomBytes(24).toString('hex');
const auth = { authorization: `Bearer ${token}` };

// A fresh sandbox every run, but a unique name keeps screenshots and logs unambiguous.
const NAME = `kc-e2e-${randomBytes(2).toString('hex')}`;
const NAMESPACE = 'ml-e2e';
const ENTITY = `sandbox-${NAMESPACE}-${NAME}`;
const ENTITY_PATH = `/catalog/default/component/${ENTITY}`;
const OWNER = 'data-scientists';
/** The form's Domain is left empty: the platform's default (app-config `mlTools.baseDomain`). */
const DOMAIN = 'sandbox.local';
/** Picked in the Storage step instead of the 8Gi default, so the review shows the choice. */
const DATABASE_SIZE = '16Gi';

let portal: Started | undefined;
let browser: Browser | undefined;
let page: Page;
/** Set once a step fails: the later steps build on it and are skipped. */
let broken: string | undefined;
let step = 0;

async function screenshot(name: string) {
  step += 1;
  await page.screenshot({
    path: join(results, `keycloak-${String(step).padStart(2, '0')}-${name}.png`),
    fullPage: true,
  });
}

/** Runs one step of the story; after a failed step the next ones are skipped. */
async function storyStep(t: TestContext, name: string, body: () => Promise<void>) {
  if (broken) {
    t.skip(`an earlier step failed: ${broken}`);
    return;
  }
  try {
    await body();
  } catch (e) {
    broken = name;
    await page
      ?.screenshot({ path: join(results, `keycloak-failure-${name}.png`), fullPage: true })
      .catch(() => undefined);
    throw e;
  }
}

async function api(path: string) {
  return fetch(`${BACKEND}${path}`, { headers: auth, signal: AbortSignal.timeout(10_000) });
}

async function entityStatus(kind: string, name: string) {
  return statusOf(`${BACKEND}/api/catalog/entities/by-name/${kind}/default/${name}`, auth);
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

/** Picks a Group in an entity picker of the form, as a person does: open, choose. */
async function pickGroup(field: string, group: string) {
  await page.getByRole('textbox', { name: field, exact: true }).click();
  await page.getByRole('option', { name: group, exact: true }).click({ timeout: 30_000 });
  await page.keyboard.press('Escape');
}

describe('a Keycloak server instance, from its template to its decommissioning', () => {
  before(async () => {
    mkdirSync(results, { recursive: true });
    // Only this run's screenshots, so a stale failure picture never misleads.
    for (const file of readdirSync(results)) {
      if (/^keycloak-.*\.png$/.test(file)) rmSync(join(results, file));
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
      logFile: join(results, 'keycloak-portal.log'),
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
        (await statusOf(`${BACKEND}/.backstage/health/v1/readiness`)) === 200 ? true : undefined,
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
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    try {
      // Ctrl-C: SIGINT to the whole process group, as a terminal does.
      await portal?.stop('SIGINT', 60_000);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('signs in as guest and picks the Keycloak server template on /create', { timeout: 420_000 }, async t => {
    await storyStep(t, 'sign-in', async () => {
      // The dev server compiles the app on first load; give it time on 2 shared cores.
      await page.goto(`${FRONTEND}/create`, { waitUntil: 'domcontentloaded', timeout: 240_000 });
      await page.getByRole('button', { name: 'Enter' }).click({ timeout: 240_000 });
      await page.getByRole('heading', { name: 'Keycloak server', exact: true }).waitFor({ timeout: 60_000 });
      await screenshot('templates');

      // The owner picker lists the catalog's Groups, which the Keycloak module reads from
      // the sandbox a few seconds after startup.
      await waitFor(
        'the Keycloak groups in the catalog',
        async () => ((await entityStatus('group', OWNER)) === 200 ? true : undefined),
        { timeoutMs: 120_000, process: portal, intervalMs: 2000 },
      );

      await templateCard('Keycloak server').getByRole('button', { name: 'Choose' }).click();
      await page.getByRole('textbox', { name: 'Name', exact: true }).waitFor();
      assert.match(new URL(page.url()).pathname, /\/create\/templates\/default\/keycloak$/);
    });
  });

  it('fills the Keycloak server form and runs it until the task succeeds', { timeout: 300_000 }, async t => {
    await storyStep(t, 'deploy', async () => {
      // Instance (the Domain left empty: the platform's default).
      await page.getByRole('textbox', { name: 'Name', exact: true }).fill(NAME);
      await page.getByRole('textbox', { name: 'Namespace', exact: true }).fill(NAMESPACE);
      await pickGroup('Owner group', OWNER);
      await page.getByRole('textbox', { name: 'Title', exact: true }).fill(`Keycloak ${NAME}`);
      await screenshot('form-instance');
      await page.getByRole('button', { name: 'Next' }).click();

      // Storage: no Access step (this Keycloak maps no platform groups to roles), the
      // page says why; a larger database volume than the default.
      await page.getByText("it has no client in the platform's Keycloak").first().waitFor();
      await page.getByLabel('Database volume').click();
      await page.getByRole('option', { name: DATABASE_SIZE, exact: true }).click();
      await screenshot('form-storage');
      await page.getByRole('button', { name: 'Review' }).click();
      const review = page.getByRole('table');
      for (const [label, value] of [
        ['Name', NAME],
        ['Namespace', NAMESPACE],
        ['Owner group', `group:default/${OWNER}`],
        ['Database volume', DATABASE_SIZE],
      ]) {
        await review.getByRole('row', { name: `${label} ${value}`, exact: true }).waitFor();
      }
      await screenshot('review');
      await page.getByRole('button', { name: 'Create' }).click();

      // The task page: the database release is applied and waited for first, then the
      // server's (sandbox controllers pace 1.5 s per step); then the output links appear.
      await page.waitForURL(/\/create\/tasks\/[^/]+$/, { timeout: 30_000 });
      const openInCatalog = page.getByRole('link', { name: 'Open in catalog' });
      await openInCatalog.waitFor({ timeout: 180_000 });
      await page.getByText('Finished step Deploy Keycloak').waitFor();
      await page.getByText(`Asked the catalog to refresh sandbox/${NAMESPACE}/${NAME}`).waitFor();
      assert.equal(await openInCatalog.getAttribute('href'), ENTITY_PATH);
      // The template's own link to the new server's admin console, on its host.
      const output = new URL(
        (await page
          .getByRole('link', { name: /^Open the admin console(\s*,\s*Opens in a new window)?$/ })
          .getAttribute('href')) ?? '',
      );
      assert.equal(output.origin, `https://${NAME}.${DOMAIN}`);
      assert.match(output.pathname, /^\/admin\//);
      const task = await waitFor(
        'the deploy task to be completed',
        async () => {
          const current = await taskOfPage();
          return current.status === 'processing' ? undefined : current;
        },
        { timeoutMs: 30_000, process: portal },
      );
      assert.equal(task.status, 'completed', `task ${task.id}`);
      await screenshot('deploy-done');
    });
  });

  it("opens the instance's page: healthy, no platform roles, and its admin console", { timeout: 240_000 }, async t => {
    await storyStep(t, 'instance-page', async () => {
      // The deploy asked the provider for a cycle; the catalog still has to process the
      // entity before its page exists.
      await waitFor(
        `component ${ENTITY} in the catalog`,
        async () => ((await entityStatus('component', ENTITY)) === 200 ? true : undefined),
        { timeoutMs: 120_000, process: portal },
      );
      await page.getByRole('link', { name: 'Open in catalog' }).click();
      await page.waitForURL(`**${ENTITY_PATH}`);
      await page.getByRole('heading', { name: `Keycloak ${NAME}`, level: 2 }).waitFor({ timeout: 60_000 });

      // Health: the checks the backend runs for this instance, each shown ok on the card.
      const health = await waitFor(
        'the instance to be healthy',
        async () => {
          const res = await api(`/api/ml-tools/instances/component/default/${ENTITY}/health`);
          assert.equal(res.status, 200, 'health of the instance');
          const body = (await res.json()) as {
            status: string;
            checks: Array<{ id: string; title: string; status: string; reason: string }>;
          };
          return body.status === 'ok' ? body : undefined;
        },
        { timeoutMs: 60_000, process: portal, intervalMs: 2000 },
      );
      const titles = health.checks.map(c => c.title);
      // What the instance is made of: its release, the workloads its blueprint names, its
      // pods and host; it has no client in the platform's realm, so no client check.
      for (const expected of ['Release', 'Workloads', 'Pods', 'Ingress']) {
        assert.ok(titles.includes(expected), `the ${expected} check among ${titles.join(', ')}`);
      }
      assert.ok(!titles.includes('Keycloak client'), `no Keycloak client check among ${titles.join(', ')}`);
      const checks = page.getByRole('list', { name: 'Health checks' });
      for (const title of titles) {
        await checks.getByRole('listitem', { name: `${title}: ok`, exact: true }).waitFor({ timeout: 60_000 });
      }
      assert.equal(await checks.getByRole('listitem').count(), titles.length);
      // The status in words (shown, and repeated for screen readers).
      const overall = (await page.getByLabel('Overall health').innerText())
        .split('\n')
        .map(line => line.trim())
        .filter(Boolean);
      assert.deepEqual([...new Set(overall)], ['Healthy']);

      // The workloads the deploy wrote into the entity's health annotation: the server's
      // StatefulSet (named after the instance) and its PostgreSQL's, both shown ready.
      const entity = await (await api(`/api/catalog/entities/by-name/component/default/${ENTITY}`)).json();
      const named = (
        JSON.parse(entity.metadata.annotations['ml-platform.io/health']) as {
          workloads: Array<{ kind: string; name: string }>;
        }
      ).workloads;
      assert.deepEqual(named.map(w => w.kind), ['StatefulSet', 'StatefulSet']);
      assert.ok(named.some(w => w.name === NAME), `the server's StatefulSet among ${JSON.stringify(named)}`);
      assert.ok(
        named.some(w => w.name !== NAME && /postgresql/.test(w.name)),
        `the database's StatefulSet among ${JSON.stringify(named)}`,
      );
      const workloads = checks.getByRole('listitem', { name: 'Workloads: ok', exact: true });
      await workloads.getByText(`${named.length}/${named.length} ready`, { exact: false }).waitFor();
      for (const w of named) {
        await workloads.getByText(new RegExp(`\\b${w.kind} ${w.name}(,|$)`)).waitFor();
      }
      await checks
        .getByRole('listitem', { name: 'Ingress: ok' })
        .getByText(`Served at https://${NAME}.${DOMAIN}`)
        .waitFor();

      // Access: no roles in the platform's realm, and the note that says so and where its
      // administrators come from (the blueprint's, as the backend serves it).
      const access = await (await api(`/api/ml-tools/instances/component/default/${ENTITY}/access`)).json();
      assert.deepEqual(access.roles, []);
      assert.match(access.note, /no client in the platform's realm and no roles/);
      const note = page.getByLabel('How access works');
      await note.waitFor();
      assert.equal((await note.innerText()).trim(), access.note);
      assert.equal(await page.getByRole('region', { name: /^Role / }).count(), 0);

      // Links: the admin console of its master realm, on the instance's own host.
      // (External links announce that they open a new window.)
      const adminConsole = page
        .getByRole('list', { name: 'Links' })
        .getByRole('link', { name: /^Keycloak admin console(\s*,\s*Opens in a new window)?$/ });
      await adminConsole.waitFor();
      const href = new URL((await adminConsole.getAttribute('href')) ?? '');
      assert.equal(href.origin, `https://${NAME}.${DOMAIN}`);
      assert.match(href.pathname, /^\/admin\//);
      await screenshot('instance-page');
    });
  });

  it('refuses to decommission the instance for a guest who does not own it', { timeout: 300_000 }, async t => {
    await storyStep(t, 'decommission', async () => {
      await page.goto(`${FRONTEND}/create`, { waitUntil: 'domcontentloaded' });
      await templateCard('Decommission an ML tool instance')
        .getByRole('button', { name: 'Choose' })
        .click({ timeout: 60_000 });
      // The instance is picked from the catalog (no free name), then its name typed again.
      // With a single instance in the catalog the picker selects it and locks itself.
      const picker = page.getByRole('textbox', { name: 'Instance', exact: true });
      await picker.waitFor();
      if (await picker.isEnabled()) {
        await picker.click();
        await page.getByRole('option', { name: new RegExp(NAME) }).first().click({ timeout: 30_000 });
        await page.keyboard.press('Escape');
      }
      assert.match(await picker.inputValue(), new RegExp(NAME));
      await page
        .getByRole('textbox', { name: 'Type the instance name to confirm', exact: true })
        .fill(NAME);
      await screenshot('decommission-form');
      await page.getByRole('button', { name: 'Review' }).click();
      await page.getByRole('row', { name: new RegExp(`^Instance .*${ENTITY}`) }).waitFor();
      await page.getByRole('button', { name: 'Create' }).click();

      await page.waitForURL(/\/create\/tasks\/[^/]+$/, { timeout: 30_000 });
      // The guest is not a member of the owner group and the portal grants it nothing
      // more: the instance stays, and the task says who may remove it.
      await page
        .getByText(new RegExp(`may not decommission .*${NAME}: it is owned by group:default/${OWNER}\\b`))
        .first()
        .waitFor({ timeout: 120_000 });
      const task = await waitFor(
        'the decommission task to end',
        async () => {
          const current = await taskOfPage();
          return current.status === 'processing' ? undefined : current;
        },
        { timeoutMs: 30_000, process: portal },
      );
      assert.equal(task.status, 'failed', `task ${task.id}`);
      assert.equal(await entityStatus('component', ENTITY), 200);
      await screenshot('decommission-refused');
    });
  });
});
