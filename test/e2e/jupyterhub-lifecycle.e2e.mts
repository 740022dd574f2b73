/**
 * A JupyterHub instance's life in the portal: sign in as guest, pick the JupyterHub
 * template on /create, fill its form (owner and role groups from the sandbox Keycloak,
 * the platform's default notebook image, a home volume size), run it, open the new
 * instance's page and see it healthy, which groups hold admin and user, and the links to
 * the hub, the user's server and the Keycloak client; then ask to decommission it, which
 * the portal refuses to a guest (who belongs to no group, so owns nothing) naming the
 * owner. Decommission itself, with and without keep-data, is run by an owner in
 * plugins/scaffolder-backend-module-ml-tools/src/jupyterhub.portal.test.ts.
 *
 * The portal is `bash scripts/start.sh` on other ports than `npm start` and
 * portal.e2e.mts (frontend :3100, backend :7107, sandbox on free ports, a temporary data
 * folder), so it runs next to a developer's portal. Screenshots of every step land in
 * test-results/e2e/jupyterhub-*.png, the portal's output in jupyterhub-portal.log.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { waitFor, type Started } from '../support/processes.mts';
import { FRONTEND, lifecycleStory } from '../support/lifecycle.mts';

const story = lifecycleStory('jupyterhub');
const {
  screenshot,
  storyStep,
  entityStatus,
  taskOfPage,
  templateCard,
  pickGroup,
  expectReview,
} = story;

// A fresh sandbox every run, but a unique name keeps screenshots and logs unambiguous.
const NAME = `hub-e2e-${randomBytes(2).toString('hex')}`;
const NAMESPACE = 'ml-e2e';
const ENTITY = `sandbox-${NAMESPACE}-${NAME}`;
const ENTITY_PATH = `/catalog/default/component/${ENTITY}`;
const OWNER = 'data-scientists';
/**
 * Role → the Keycloak group picked for it in the Access step: the two roles JupyterHub's
 * authenticator enforces (admin_groups, allowed_groups). Top-level groups, so the access
 * card shows them at `/<name>`, their full path.
 */
const ROLE_GROUPS = {
  admin: { field: 'Administrators (admin)', group: 'platform-admins' },
  user: { field: 'Users (user)', group: OWNER },
} as const;

let portal: Started | undefined;
let page: Page;

describe('a JupyterHub instance, from its template to its decommissioning', () => {
  before(async () => {
    await story.start();
    page = story.page;
    portal = story.portal;
  });

  after(() => story.stop());

  it(
    'signs in as guest and picks the JupyterHub template on /create',
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
          .getByRole('heading', { name: 'JupyterHub', exact: true })
          .waitFor({ timeout: 60_000 });
        await screenshot('templates');

        // The group pickers list the catalog's Groups, which the Keycloak module reads
        // from the sandbox a few seconds after startup.
        await waitFor(
          'the Keycloak groups in the catalog',
          async () => {
            for (const group of [
              OWNER,
              ...Object.values(ROLE_GROUPS).map(r => r.group),
            ]) {
              if ((await entityStatus('group', group)) !== 200)
                return undefined;
            }
            return true;
          },
          { timeoutMs: 120_000, process: portal, intervalMs: 2000 },
        );

        await templateCard('JupyterHub')
          .getByRole('button', { name: 'Choose' })
          .click();
        await page
          .getByRole('textbox', { name: 'Name', exact: true })
          .waitFor();
        assert.match(
          new URL(page.url()).pathname,
          /\/create\/templates\/default\/jupyterhub$/,
        );
      });
    },
  );

  it(
    'fills the JupyterHub form and runs it until the task succeeds',
    { timeout: 300_000 },
    async t => {
      await storyStep(t, 'deploy', async () => {
        // Instance
        await page
          .getByRole('textbox', { name: 'Name', exact: true })
          .fill(NAME);
        await page
          .getByRole('textbox', { name: 'Namespace', exact: true })
          .fill(NAMESPACE);
        await pickGroup('Owner group', `/${OWNER}`);
        await page
          .getByRole('textbox', { name: 'Title', exact: true })
          .fill(`JupyterHub ${NAME}`);
        await screenshot('form-instance');
        await page.getByRole('button', { name: 'Next' }).click();

        // Access: one group per role.
        for (const { field, group } of Object.values(ROLE_GROUPS)) {
          await pickGroup(field, `/${group}`);
        }
        await screenshot('form-access');
        await page.getByRole('button', { name: 'Next' }).click();

        // Notebooks: the platform's default image (left empty), a larger home volume.
        await page
          .getByRole('textbox', { name: 'Notebook image', exact: true })
          .waitFor();
        await page.getByLabel('Home volume per user').click();
        await page.getByRole('option', { name: '20Gi', exact: true }).click();
        await screenshot('form-notebooks');
        await page.getByRole('button', { name: 'Review' }).click();
        await expectReview([
          ['Name', NAME],
          ['Namespace', NAMESPACE],
          ['Owner group', `/${OWNER}`],
          ['Administrators (admin)', `/${ROLE_GROUPS.admin.group}`],
          ['Users (user)', `/${ROLE_GROUPS.user.group}`],
          ['Home volume per user', '20Gi'],
        ]);
        await screenshot('review');
        await page.getByRole('button', { name: 'Create' }).click();

        // The task page: the deploy waits until the releases are Ready (sandbox controllers
        // pace 1.5 s per step), then the template's output links appear.
        await page.waitForURL(/\/create\/tasks\/[^/]+$/, { timeout: 30_000 });
        const openInCatalog = page.getByRole('link', {
          name: 'Open in catalog',
        });
        await openInCatalog.waitFor({ timeout: 180_000 });
        await page.getByText('Finished step Deploy JupyterHub').waitFor();
        await page
          .getByText(
            `Asked the catalog to refresh sandbox/${NAMESPACE}/${NAME}`,
          )
          .waitFor();
        assert.equal(await openInCatalog.getAttribute('href'), ENTITY_PATH);
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
    "opens the instance's page: healthy, its groups by role, and its links",
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
          .getByRole('heading', { name: `JupyterHub ${NAME}`, level: 2 })
          .waitFor({ timeout: 60_000 });

        // Health: every check ok, the overall status Healthy.
        const checks = page.getByRole('list', { name: 'Health checks' });
        for (const check of [
          'Release',
          'Workloads',
          'Pods',
          'Ingress',
          'Keycloak client',
          'OIDC discovery',
        ]) {
          await checks
            .getByRole('listitem', { name: `${check}: ok`, exact: true })
            .waitFor({ timeout: 60_000 });
        }
        // The status in words (shown, and repeated for screen readers).
        const overall = (await page.getByLabel('Overall health').innerText())
          .split('\n')
          .map(line => line.trim())
          .filter(Boolean);
        assert.deepEqual([...new Set(overall)], ['Healthy']);
        await checks
          .getByRole('listitem', { name: 'Ingress: ok' })
          .getByText(`Served at https://${NAME}.sandbox.local`)
          .waitFor();

        // Access: the picked groups under their roles, by full path.
        for (const [role, { group }] of Object.entries(ROLE_GROUPS)) {
          await page
            .getByRole('region', { name: `Role ${role}`, exact: true })
            .getByRole('link', { name: `/${group}`, exact: true })
            .waitFor();
        }
        assert.equal(
          await page.getByRole('region', { name: /^Role / }).count(),
          2,
        );

        // Links: the hub, the user's own server, and the instance's Keycloak client.
        // (External links announce that they open a new window.)
        const links = page.getByRole('list', { name: 'Links' });
        const link = (name: string) =>
          links.getByRole('link', {
            name: new RegExp(`^${name}(\\s*,\\s*Opens in a new window)?$`),
          });
        assert.equal(
          await link('JupyterHub').getAttribute('href'),
          `https://${NAME}.sandbox.local/hub/home`,
        );
        assert.equal(
          await link('My notebook server').getAttribute('href'),
          `https://${NAME}.sandbox.local/hub/spawn`,
        );
        assert.match(
          (await link(`Keycloak client ${NAME}`).getAttribute('href')) ?? '',
          /\/admin\/master\/console\/#\/ml-platform\/clients\/[^/]+\/settings$/,
        );
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
        refusal: /may not decommission .* it is owned by group:default\//,
      }),
  );
});
