import {
  ensureK8sObject,
  instanceLabels,
  type BlueprintSecret,
  type K8sObject,
} from '@ml-platform/plugin-ml-tools-node';
import { InputError } from '@backstage/errors';
import type { InstanceIdentity, StepEnv } from '../context';
import { b64, generateSecret, sshPublicKeyOf, unb64 } from '../secrets';
import { lookup, secretRef } from './namespace';

/** A public value of a Secret (an SSH public key): safe to show. */
export type PublicSecretValue = {
  secretName: string;
  key: string;
  description: string;
  value: string;
};

/**
 * Writes the instance's secrets: generated keys once (kept on every re-run; only missing
 * keys are generated), fixed keys as declared, derived keys rebuilt from their sources
 * so that they follow them, public keys computed from their private keys. Returns the
 * key names and the public values; secret values never leave this function.
 */
export async function ensureGeneratedSecret(
  env: StepEnv,
  id: InstanceIdentity,
  secretName: string,
  keys: BlueprintSecret[],
  derive?: (values: Record<string, string>) => Record<string, string>,
  taskSecrets: Readonly<Record<string, string | undefined>> = {},
): Promise<{ keys: string[]; publicValues: PublicSecretValue[] }> {
  const live = await lookup(
    env,
    id.cluster,
    secretRef(id.namespace, secretName),
  );
  const data: Record<string, string> = {
    ...((live?.data as Record<string, string> | undefined) ?? {}),
  };
  const generated: string[] = [];
  for (const key of keys) {
    if ('value' in key) {
      data[key.key] = b64(key.value);
    } else if ('fromTaskSecret' in key) {
      // Typed in the form this time: it replaces the kept value; otherwise kept.
      const given = taskSecrets[key.fromTaskSecret];
      if (given) data[key.key] = b64(given);
    } else if ('generate' in key && !(key.key in data)) {
      generated.push(key.key);
      // In a dry run nothing is written, so nothing is generated either.
      data[key.key] = env.dryRun ? '' : b64(generateSecret(key.generate));
    }
  }
  if (derive && keys.some(k => 'derive' in k)) {
    const plain = Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, unb64(v)]),
    );
    const all = derive(plain);
    for (const key of keys) {
      if ('derive' in key) data[key.key] = b64(all[key.key]);
    }
  }
  const publicValues: PublicSecretValue[] = [];
  for (const key of keys) {
    if (!('publicKeyOf' in key)) continue;
    const source = data[key.publicKeyOf];
    if (source === undefined) {
      throw new Error(
        `Secret key "${key.key}" is the public key of "${key.publicKeyOf}", which ${secretName} does not define`,
      );
    }
    // A dry run of a first deploy has generated nothing: there is no key to show yet.
    const value = source
      ? sshPublicKeyOf(unb64(source), `${id.tool}-${id.name}`)
      : '';
    data[key.key] = b64(value);
    if (value) {
      publicValues.push({
        secretName,
        key: key.key,
        description: key.description,
        value,
      });
    }
  }
  await applySecret(
    env,
    id,
    secretName,
    'secrets',
    data,
    live,
    generated.length
      ? `generates ${generated.join(', ')}`
      : 'existing values kept',
  );
  return { keys: Object.keys(data).sort(), publicValues };
}

/**
 * Writes a Keycloak client's credentials into a Secret (keys `client-id`,
 * `client-secret`, and a generated `cookie-secret` kept across re-runs when asked).
 */
export async function ensureClientSecret(
  env: StepEnv,
  id: InstanceIdentity,
  secretName: string,
  clientId: string,
  clientSecret: string,
  withCookieSecret: boolean,
): Promise<void> {
  const live = await lookup(
    env,
    id.cluster,
    secretRef(id.namespace, secretName),
  );
  const liveData = (live?.data as Record<string, string> | undefined) ?? {};
  const data: Record<string, string> = {
    'client-id': b64(clientId),
    'client-secret': b64(clientSecret),
  };
  if (withCookieSecret) {
    data['cookie-secret'] =
      liveData['cookie-secret'] ??
      (env.dryRun
        ? ''
        : b64(generateSecret({ kind: 'alphanumeric', length: 32 })));
  }
  await applySecret(
    env,
    id,
    secretName,
    'oidc-credentials',
    data,
    live,
    `client credentials of ${clientId}`,
  );
}

/** Applies one of the instance's Secrets (labelled with its component) and records it. */
async function applySecret(
  env: StepEnv,
  id: InstanceIdentity,
  secretName: string,
  component: string,
  data: Record<string, string>,
  live: K8sObject | null | undefined,
  detail: string,
): Promise<void> {
  const result = await ensureK8sObject(
    env.k8s,
    id.cluster,
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: secretName,
        namespace: id.namespace,
        labels: instanceLabels({
          instance: id.name,
          tool: id.tool,
          ownerName: id.ownerName,
          component,
        }),
      },
      type: 'Opaque',
      data,
    },
    { dryRun: env.dryRun, live: live ?? null, instance: id.name },
  );
  env.changes.add({
    target: 'kubernetes',
    kind: 'Secret',
    name: `${id.namespace}/${secretName}`,
    action: result.action,
    detail,
  });
}

/**
 * Refuses, before any write, a deploy whose blueprint needs a typed-in secret that was
 * neither given now nor kept from an earlier run. Reads the live Secrets only.
 */
export async function assertTaskSecretsGiven(
  env: StepEnv,
  id: InstanceIdentity,
  groups: Iterable<[string, BlueprintSecret[]]>,
  isRequired: (key: BlueprintSecret) => boolean,
  taskSecrets: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  for (const [secretName, keys] of groups) {
    const needed = keys.filter(
      k =>
        'fromTaskSecret' in k &&
        !taskSecrets[k.fromTaskSecret] &&
        isRequired(k),
    );
    if (needed.length === 0) continue;
    const live = await lookup(
      env,
      id.cluster,
      secretRef(id.namespace, secretName),
    );
    const data = (live?.data as Record<string, string> | undefined) ?? {};
    for (const key of needed) {
      if (data[key.key]) continue;
      const name = (key as { fromTaskSecret: string }).fromTaskSecret;
      throw new InputError(
        `Invalid input: secrets.${name} is required (${key.description}) and none was given or kept from an earlier run`,
      );
    }
  }
}
