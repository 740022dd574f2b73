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
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { waitFor, type Started } from '../support/processes.mts';
import { FRONTEND, lifecycleStory } from '../support/lifecycle.mts';

const story = lifecycleStory('keycloak');
const {
  screenshot,
  storyStep,
  api,
  entityStatus,
  taskOfPage,
  templateCard,
  pickGroup,
  expectReview,
} = story;

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
let page: Page;

describe('a Keycloak server instance, from its template to its decommissioning', () => {
  before(async () => {
    await story.start();
    page = story.page;
    portal = story.portal;
  });

  after(() => story.stop());

  it(
    'signs in as guest and picks the Keycloak server template on /create',
    { timeout: 420_000 },
    async t => {
      await storyStep(t, 'sign-in', async () => {
        // The dev server compiles the app on first load; give it time on 2 shared cores.
        await page.goto(`${FRONTEND}/create`, {
          waitUntil: 'domcontentloaded',
          timeout: 240_000,
        });
        await page
          .getByRole('button', { name: 'Enter' })
          .click({ timeout: 240_000 });
        await page
          .getByRole('heading', { name: 'Keycloak server', exact: true })
          .waitFor({ timeout: 60_000 });
        await screenshot('templates');

        // The owner picker lists the catalog's Groups, which the Keycloak module reads from
        // the sandbox a few seconds after startup.
        await waitFor(
          'the Keycloak groups in the catalog',
          async () =>
            (await entityStatus('group', OWNER)) === 200 ? true : undefined,
          { timeoutMs: 120_000, process: portal, intervalMs: 2000 },
        );

        await templateCard('Keycloak server')
          .getByRole('button', { name: 'Choose' })
          .click();
        await page
          .getByRole('textbox', { name: 'Name', exact: true })
          .waitFor();
        assert.match(
          new URL(page.url()).pathname,
          /\/create\/templates\/default\/keycloak$/,
        );
      });
    },
  );

  it(
    'fills the Keycloak server form and runs it until the task succeeds',
    { timeout: 300_000 },
    async t => {
      await storyStep(t, 'deploy', async () => {
        // Instance (the Domain left empty: the platform's default).
        await page
          .getByRole('textbox', { name: 'Name', exact: true })
          .fill(NAME);
        await page
          .getByRole('textbox', { name: 'Namespace', exact: true })
          .fill(NAMESPACE);
        await pickGroup('Owner group', `/${OWNER}`);
        await page
          .getByRole('textbox', { name: 'Title', exact: true })
          .fill(`Keycloak ${NAME}`);
        await screenshot('form-instance');
        await page.getByRole('button', { name: 'Next' }).click();

        // Storage: no Access step (this Keycloak maps no platform groups to roles), the
        // page says why; a larger database volume than the default.
        await page
          .getByText("it has no client in the platform's Keycloak")
          .first()
          .waitFor();
        await page.getByLabel('Database volume').click();
        await page
          .getByRole('option', { name: DATABASE_SIZE, exact: true })
          .click();
        await screenshot('form-storage');
        await page.getByRole('button', { name: 'Review' }).click();
        await expectReview([
          ['Name', NAME],
          ['Namespace', NAMESPACE],
          ['Owner group', `/${OWNER}`],
          ['Database volume', DATABASE_SIZE],
        ]);
        await screenshot('review');
        await page.getByRole('button', { name: 'Create' }).click();

        // The task page: the database release is applied and waited for first, then the
        // server's (sandbox controllers pace 1.5 s per step); then the output links appear.
        await page.waitForURL(/\/create\/tasks\/[^/]+$/, { timeout: 30_000 });
        const openInCatalog = page.getByRole('link', {
          name: 'Open in catalog',
        });
        await openInCatalog.waitFor({ timeout: 180_000 });
        await page.getByText('Finished step Deploy Keycloak').waitFor();
        await page
          .getByText(
            `Asked the catalog to refresh sandbox/${NAMESPACE}/${NAME}`,
          )
          .waitFor();
        assert.equal(await openInCatalog.getAttribute('href'), ENTITY_PATH);
        // The template's own link to the new server's admin console, on its host.
        const output = new URL(
          (await page
            .getByRole('link', {
              name: /^Open the admin console(\s*,\s*Opens in a new window)?$/,
            })
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
    },
  );

  it(
    "opens the instance's page: healthy, no platform roles, and its admin console",
    { timeout: 240_000 },
    async t => {
      await storyStep(t, 'instance-page', async () => {
        // The deploy asked the provider for a cycle; the catalog still has to process the
        // entity before its page exists.
        await waitFor(
          `component ${ENTITY} in the catalog`,
          async () =>
            (await entityStatus('component', ENTITY)) === 200
              ? true
              : undefined,
          { timeoutMs: 120_000, process: portal },
        );
        await page.getByRole('link', { name: 'Open in catalog' }).click();
        await page.waitForURL(`**${ENTITY_PATH}`);
        await page
          .getByRole('heading', { name: `Keycloak ${NAME}`, level: 2 })
          .waitFor({ timeout: 60_000 });

        // Health: the checks the backend runs for this instance, each shown ok on the card.
        const health = await waitFor(
          'the instance to be healthy',
          async () => {
            const res = await api(
              `/api/ml-tools/instances/component/default/${ENTITY}/health`,
            );
            assert.equal(res.status, 200, 'health of the instance');
            const body = (await res.json()) as {
              status: string;
              checks: Array<{
                id: string;
                title: string;
                status: string;
                reason: string;
              }>;
            };
            return body.status === 'ok' ? body : undefined;
          },
          { timeoutMs: 60_000, process: portal, intervalMs: 2000 },
        );
        const titles = health.checks.map(c => c.title);
        // What the instance is made of: its release, the workloads its blueprint names, its
        // pods and host; it has no client in the platform's realm, so no client check.
        for (const expected of ['Release', 'Workloads', 'Pods', 'Ingress']) {
          assert.ok(
            titles.includes(expected),
            `the ${expected} check among ${titles.join(', ')}`,
          );
        }
        assert.ok(
          !titles.includes('Keycloak client'),
          `no Keycloak client check among ${titles.join(', ')}`,
        );
        const checks = page.getByRole('list', { name: 'Health checks' });
        for (const title of titles) {
          await checks
            .getByRole('listitem', { name: `${title}: ok`, exact: true })
            .waitFor({ timeout: 60_000 });
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
        const entity = await (
          await api(`/api/catalog/entities/by-name/component/default/${ENTITY}`)
        ).json();
        const named = (
          JSON.parse(entity.metadata.annotations['ml-platform.io/health']) as {
            workloads: Array<{ kind: string; name: string }>;
          }
        ).workloads;
        assert.deepEqual(
          named.map(w => w.kind),
          ['StatefulSet', 'StatefulSet'],
        );
        assert.ok(
          named.some(w => w.name === NAME),
          `the server's StatefulSet among ${JSON.stringify(named)}`,
        );
        assert.ok(
          named.some(w => w.name !== NAME && /postgresql/.test(w.name)),
          `the database's StatefulSet among ${JSON.stringify(named)}`,
        );
        const workloads = checks.getByRole('listitem', {
          name: 'Workloads: ok',
          exact: true,
        });
        await workloads
          .getByText(`${named.length}/${named.length} ready`, { exact: false })
          .waitFor();
        for (const w of named) {
          await workloads
            .getByText(new RegExp(`\\b${w.kind} ${w.name}(,|$)`))
            .waitFor();
        }
        await checks
          .getByRole('listitem', { name: 'Ingress: ok' })
          .getByText(`Served at https://${NAME}.${DOMAIN}`)
          .waitFor();

        // Access: no roles in the platform's realm, and the note that says so and where its
        // administrators come from (the blueprint's, as the backend serves it).
        const access = await (
          await api(
            `/api/ml-tools/instances/component/default/${ENTITY}/access`,
          )
        ).json();
        assert.deepEqual(access.roles, []);
        assert.match(
          access.note,
          /no client in the platform's realm and no roles/,
        );
        const note = page.getByLabel('How access works');
        await note.waitFor();
        assert.equal((await note.innerText()).trim(), access.note);
        assert.equal(
          await page.getByRole('region', { name: /^Role / }).count(),
          0,
        );

        // Links: the admin console of its master realm, on the instance's own host.
        // (External links announce that they open a new window.)
        const adminConsole = page
          .getByRole('list', { name: 'Links' })
          .getByRole('link', {
            name: /^Keycloak admin console(\s*,\s*Opens in a new window)?$/,
          });
        await adminConsole.waitFor();
        const href = new URL((await adminConsole.getAttribute('href')) ?? '');
        assert.equal(href.origin, `https://${NAME}.${DOMAIN}`);
        assert.match(href.pathname, /^\/admin\//);
        await screenshot('instance-page');
      });
    },
  );

  it(
    'refuses to decommission the instance for a guest who does not own it',
    { timeout: 300_000 },
    async t =>
      story.guestDecommissionRefused(t, {
        name: NAME,
        entity: ENTITY,
        refusal: new RegExp(
          `may not decommission .*${NAME}: it is owned by group:default/${OWNER}\\b`,
        ),
      }),
  );
});
