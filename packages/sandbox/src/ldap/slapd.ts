import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Attribute, Change, Client } from 'ldapts';

/**
 * The directory of the multi-user LDAP runbook: its base, its administrator and the
 * users and groups it seeds (two people, `admins` and `developers`).
 *
 * @public
 */
export const RUNBOOK_DIRECTORY = Object.freeze({
  suffix: 'dc=example,dc=com',
  adminDn: 'cn=admin,dc=example,dc=com',
  adminPassword: 'admin',
  usersDn: 'ou=People,dc=example,dc=com',
  groupsDn: 'ou=Groups,dc=example,dc=com',
  users: Object.freeze([
    Object.freeze({
      dn: 'cn=Nick Kiliadis,ou=People,dc=example,dc=com',
      uid: 'nkili',
      cn: 'Nick Kiliadis',
      givenName: 'Nick',
      sn: 'Kiliadis',
      mail: 'nkili@example.com',
      password: '12341234',
      groups: Object.freeze(['admins', 'developers']),
    }),
    Object.freeze({
      dn: 'cn=Robin Spanakopita,ou=People,dc=example,dc=com',
      uid: 'rspanakopita',
      cn: 'Robin Spanakopita',
      givenName: 'Robin',
      sn: 'Spanakopita',
      mail: 'rspanakopita@example.com',
      password: '43214321',
      groups: Object.freeze(['developers']),
    }),
  ]),
  groups: Object.freeze(['admins', 'developers']),
});

/** The runbook's seed, in LDIF, with the base entry it leaves commented out. */
export function runbookLdif(): string {
  const d = RUNBOOK_DIRECTORY;
  const entries: string[] = [
    `dn: ${d.suffix}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example`,
    `dn: ${d.usersDn}\nobjectClass: organizationalUnit\nou: People`,
    ...d.users.map(u =>
      [
        `dn: ${u.dn}`,
        'objectClass: person',
        'objectClass: inetOrgPerson',
        `givenName: ${u.givenName}`,
        `sn: ${u.sn}`,
        `cn: ${u.cn}`,
        `uid: ${u.uid}`,
        `mail: ${u.mail}`,
        `userpassword: ${u.password}`,
      ].join('\n'),
    ),
    `dn: ${d.groupsDn}\nobjectClass: organizationalUnit\nou: Groups`,
    ...d.groups.map(g =>
      [
        `dn: cn=${g},${d.groupsDn}`,
        'objectClass: groupOfNames',
        `cn: ${g}`,
        ...d.users
          .filter(u => u.groups.includes(g))
          .map(u => `member: ${u.dn}`),
      ].join('\n'),
    ),
  ];
  return `${entries.join('\n\n')}\n`;
}

/**
 * A running OpenLDAP server.
 *
 * @public
 */
export interface Slapd {
  /** `ldap://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** Milliseconds from spawn to a seeded, answering server. */
  startMs: number;
  /** Adds entries (LDIF) as the administrator, with `ldapadd`. */
  add(ldif: string): Promise<void>;
  /** Replaces an entry's password, as the administrator. */
  setPassword(dn: string, password: string): Promise<void>;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/**
 * Options of {@link startSlapd}.
 *
 * @public
 */
export interface StartSlapdOptions {
  /** LDIF added once the server answers; the runbook's users and groups by default. */
  seed?: string;
  /** The slapd binary; `/usr/sbin/slapd` (Debian's) by default. */
  slapdPath?: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function run(
  command: string,
  args: string[],
  stdin?: string,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', c => (output += c));
    child.stderr.on('data', c => (output += c));
    child.once('error', reject);
    child.once('exit', code => resolve({ code, output }));
    child.stdin.end(stdin ?? '');
  });
}

function slapdConfig(dir: string): string {
  const d = RUNBOOK_DIRECTORY;
  return [
    'include /etc/ldap/schema/core.schema',
    'include /etc/ldap/schema/cosine.schema',
    'include /etc/ldap/schema/inetorgperson.schema',
    'include /etc/ldap/schema/nis.schema',
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    `pidfile ${join(dir, 'slapd.pid')}`,
    `argsfile ${join(dir, 'slapd.args')}`,
    'database mdb',
    'maxsize 16777216',
    `suffix "${d.suffix}"`,
    `rootdn "${d.adminDn}"`,
    `rootpw ${d.adminPassword}`,
    `directory ${join(dir, 'data')}`,
    // People may read the directory once bound; anonymous users may only bind.
    'access to attrs=userPassword by self write by anonymous auth by * none',
    'access to * by users read by anonymous auth',
    '',
  ].join('\n');
}

async function answers(url: string): Promise<boolean> {
  const client = new Client({ url, connectTimeout: 500, timeout: 1000 });
  try {
    await client.bind(
      RUNBOOK_DIRECTORY.adminDn,
      RUNBOOK_DIRECTORY.adminPassword,
    );
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/**
 * Starts Debian's OpenLDAP `slapd` in a temporary folder on a free loopback port, with an
 * mdb database for the runbook's `dc=example,dc=com`, seeds it with `ldapadd`, and
 * resolves once it answers binds. For tests: stop it when done.
 *
 * @public
 */
export async function startSlapd(
  options: StartSlapdOptions = {},
): Promise<Slapd> {
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'slapd-'));
  await mkdir(join(dir, 'data'));
  const configFile = join(dir, 'slapd.conf');
  await writeFile(configFile, slapdConfig(dir));
  let child: ChildProcess | undefined;
  let port = 0;
  const output: string[] = [];
  for (let attempt = 0; attempt < 5 && !child; attempt += 1) {
    port = await freePort();
    const candidate = spawn(
      options.slapdPath ?? '/usr/sbin/slapd',
      ['-f', configFile, '-h', `ldap://127.0.0.1:${port}/`, '-d', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    candidate.stdout!.on('data', c => output.push(String(c)));
    candidate.stderr!.on('data', c => output.push(String(c)));
    const exited = new Promise<'exited'>(resolve =>
      candidate.once('exit', () => resolve('exited')),
    );
    candidate.once('error', () => undefined);
    const url = `ldap://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i += 1) {
      if (candidate.exitCode !== null) break;
      if (await answers(url)) {
        child = candidate;
        break;
      }
      await Promise.race([sleep(50), exited]);
    }
    if (!child) candidate.kill('SIGKILL');
  }
  if (!child) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`slapd did not start: ${output.join('').slice(-2000)}`);
  }
  const running = child;
  const url = `ldap://127.0.0.1:${port}`;
  const add = async (ldif: string) => {
    const result = await run(
      'ldapadd',
      [
        '-x',
        '-H',
        url,
        '-D',
        RUNBOOK_DIRECTORY.adminDn,
        '-w',
        RUNBOOK_DIRECTORY.adminPassword,
      ],
      ldif,
    );
    if (result.code !== 0)
      throw new Error(`ldapadd failed (${result.code}): ${result.output}`);
  };
  try {
    await add(options.seed ?? runbookLdif());
  } catch (error) {
    running.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    port,
    startMs: Date.now() - started,
    add,
    async setPassword(dn: string, password: string) {
      const client = new Client({ url });
      try {
        await client.bind(
          RUNBOOK_DIRECTORY.adminDn,
          RUNBOOK_DIRECTORY.adminPassword,
        );
        await client.modify(
          dn,
          new Change({
            operation: 'replace',
            modification: new Attribute({
              type: 'userPassword',
              values: [password],
            }),
          }),
        );
      } finally {
        await client.unbind().catch(() => undefined);
      }
    },
    async stop() {
      if (running.exitCode === null && running.signalCode === null) {
        const exited = new Promise(resolve => running.once('exit', resolve));
        running.kill('SIGTERM');
        await Promise.race([
          exited,
          sleep(5000).then(() => running.kill('SIGKILL')),
        ]);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
