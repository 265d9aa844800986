// P1: the exec credential plugin's cache hit — what kubectl pays before every API call —
// against starting Node at all (`node -e 0`), and against gke-gcloud-auth-plugin (Go)
// answering from its own token cache; from the token cache in private files and from the
// keychain (a Secret Service on a private session bus, as on a desktop); and (P6) the release's
// single executable answering the same hit. Each command runs exactly as kubectl runs it: the
// launcher straight from the kubeconfig's exec entry, stdout into a pipe.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import yaml from 'js-yaml';
import { compareCommands, round } from './lib/measure.ts';
import { seaBinary } from './lib/sea.ts';
import { startSecretService } from './lib/secret-service.ts';
import { BASELINE_TOOL, cachedToken, ROOT, run, TOOL, toolHome, type ToolHome } from './lib/tool.ts';
import { createRoles } from './lib/fixtures.ts';
import type { BenchContext, Figures } from './run.ts';

const EXEC_INFO = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false } });
const GKE_PLUGIN = 'gke-gcloud-auth-plugin';
/** The floor of any exec plugin on Node (floor/exec-plugin.cjs), run by `node` and as an npm-installed script. */
const FLOOR_PLUGIN = join(ROOT, 'bench', 'floor', 'exec-plugin.cjs');
/** The floors of a keychain hit: two round trips to the Secret Service; the tool's reader alone. */
const SECRET_SERVICE_FLOOR = join(ROOT, 'bench', 'floor', 'secret-service.cjs');
const KEYCHAIN_READ_FLOOR = join(ROOT, 'bench', 'floor', 'keychain-read.cjs');

interface KubeconfigFile {
  'current-context': string;
  users: { name: string; user: { exec?: { args?: string[] } } }[];
}

export async function benchCacheHit(ctx: BenchContext): Promise<Figures> {
  const secretService = await startSecretService();
  if (!secretService) ctx.log('p1: no Secret Service (apt-get install -y dbus gnome-keyring): the keychain hit is not measured');
  try {
    return await measureHits(ctx, secretService?.address);
  } finally {
    await secretService?.close();
  }
}

/** A tool home with role A's exec entry written by `tool`, its token issued and its hit remembered: the exec command line. */
async function rememberedHit(ctx: BenchContext, home: ToolHome, tool: string, stores: readonly string[]): Promise<{ role: string; argsFor: (store: string) => string }> {
  const roles = await createRoles(home, ctx.ns, 'hit');
  await home.tool(['kubeconfig', roles.A, '-n', ctx.ns]);
  const kubeconfig = yaml.load(readFileSync(home.kubeconfig, 'utf8')) as KubeconfigFile;
  const execArgs = kubeconfig.users.find((user) => user.user.exec)?.user.exec?.args ?? [];
  const env = { ...home.env, KUBERNETES_EXEC_INFO: EXEC_INFO };
  // The exec entry as written, with the store chosen explicitly (each store issues its own token once).
  const argsFor = (store: string) => [...execArgs, '--token-cache', store].join(' ');
  // The first call issues; a call two seconds after the newest file it reads remembers the hit.
  const plugin = (store: string) => run(tool, argsFor(store).split(' '), env);
  for (const store of stores) if ((await plugin(store)).status !== 0) throw new Error(`the exec plugin (${tool}) failed on its first call (${store} cache)`);
  await new Promise((resolve) => setTimeout(resolve, 2100));
  for (const store of stores) await plugin(store);
  return { role: roles.A, argsFor };
}

async function measureHits(ctx: BenchContext, busAddress: string | undefined): Promise<Figures> {
  const home = toolHome(ctx.cluster.kubeconfig, busAddress ? { DBUS_SESSION_BUS_ADDRESS: busAddress } : {});
  const env = { ...home.env, KUBERNETES_EXEC_INFO: EXEC_INFO };
  const stores = busAddress ? (['file', 'keychain'] as const) : (['file'] as const);
  const { role: roleA, argsFor } = await rememberedHit(ctx, home, TOOL, stores);
  // The baseline in a home of its own (its state may not be this version's): both hits through
  // env(1), which sets each one's home, so the two pay the same.
  const baseHome = BASELINE_TOOL ? toolHome(ctx.cluster.kubeconfig, {}, BASELINE_TOOL) : undefined;
  const baseArgsFor = baseHome ? (await rememberedHit(ctx, baseHome, BASELINE_TOOL!, ['file'])).argsFor : undefined;
  const viaEnv = (target: ToolHome, tool: string, args: string) => `/usr/bin/env KUBECTL_TEMPCREDS_HOME=${target.home} KUBECONFIG=${target.kubeconfig} ${tool} ${args}`;
  const leasesBefore = leaseCount(home.home, roleA) + (baseHome ? leaseCount(baseHome.home, roleA) : 0);
  const targets = rememberedTargets(home.home);
  const remembered = targets.map((target) => target.store).sort();
  for (const store of stores) if (!remembered.includes(store)) ctx.log(`p1: warning: no ${store} cache-hit memo was written; its numbers are the full path`);

  const kubeconfig = yaml.load(readFileSync(home.kubeconfig, 'utf8')) as KubeconfigFile;
  const gke = await prepareGkePlugin(home.kubeconfig, kubeconfig['current-context'], env);
  const sea = seaBinary(ctx.log);
  // The file cache's token, copied where the floors read it.
  const floorToken = cachedToken(home.home).tokenFile;
  const commands: Record<string, string> = { node: 'node -e 0', hit: `${TOOL} ${argsFor('file')}`, sea_hit: `${sea} ${argsFor('file')}`, node_plugin_floor: `node ${FLOOR_PLUGIN} ${floorToken}`, npm_plugin_floor: `${FLOOR_PLUGIN} ${floorToken}` };
  if (busAddress) {
    commands.keychain_hit = `${TOOL} ${argsFor('keychain')}`;
    commands.secret_service_floor = `node ${SECRET_SERVICE_FLOOR} ${floorToken}`;
    const keychainKey = targets.find((target) => target.store === 'keychain')?.key;
    if (keychainKey) commands.keychain_read_floor = `node ${KEYCHAIN_READ_FLOOR} ${keychainKey}`;
  }
  if (gke) commands.gke = GKE_PLUGIN;
  if (baseHome && baseArgsFor) {
    commands.hit_via_env = viaEnv(home, TOOL, argsFor('file'));
    commands.baseline_hit_via_env = viaEnv(baseHome, BASELINE_TOOL!, baseArgsFor('file'));
  }
  const timed = compareCommands(commands, { rounds: 6, runsPerRound: 15, warmup: 5, env, output: 'pipe' });
  const issuedDuringRuns = leaseCount(home.home, roleA) + (baseHome ? leaseCount(baseHome.home, roleA) : 0) - leasesBefore;
  if (issuedDuringRuns !== 0) throw new Error(`p1: ${issuedDuringRuns} lease(s) were issued while timing cache hits`);

  const hit = timed.hit!.medianMs;
  const node = timed.node!.medianMs;
  const keychain = timed.keychain_hit?.medianMs;
  return {
    p1_cache_hit_vs_node: round(hit / node),
    p1_keychain_hit_vs_node: keychain ? round(keychain / node) : 'not measured: no Secret Service (apt-get install -y dbus gnome-keyring)',
    ...(keychain
      ? {
          // Any Node plugin's two round trips to the Secret Service (floor/secret-service.cjs), and the tool's reader alone (floor/keychain-read.cjs).
          p1_secret_service_floor_vs_node: round(timed.secret_service_floor!.medianMs / node),
          ...(timed.keychain_read_floor
            ? { p1_keychain_read_floor_vs_node: round(timed.keychain_read_floor.medianMs / node), p1_keychain_hit_vs_read_floor: round(keychain / timed.keychain_read_floor.medianMs) }
            : {}),
        }
      : {}),
    // The floor of any exec plugin on Node serving a token from a file (floor/exec-plugin.cjs).
    p1_cache_hit_vs_node_plugin_floor: round(hit / timed.node_plugin_floor!.medianMs),
    p1_node_plugin_floor_vs_node: round(timed.node_plugin_floor!.medianMs / node),
    // The same plugin started as npm installs one (#!/usr/bin/env node), as kubectl starts the tool.
    p1_npm_plugin_floor_vs_node: round(timed.npm_plugin_floor!.medianMs / node),
    p1_cache_hit_vs_npm_plugin_floor: round(hit / timed.npm_plugin_floor!.medianMs),
    p1_cache_hit_ms: round(hit, 1),
    ...(keychain ? { p1_keychain_hit_ms: round(keychain, 1) } : {}),
    p1_node_ms: round(node, 1),
    p1_vs_gke_plugin: gke ? round(hit / timed.gke!.medianMs) : gke === undefined ? 'not installed' : 'did not answer from its cache',
    ...(gke && keychain ? { p1_keychain_vs_gke_plugin: round(keychain / timed.gke!.medianMs) } : {}),
    ...(gke ? { p1_gke_plugin_ms: round(timed.gke!.medianMs, 1) } : {}),
    p1_runs_per_command: timed.hit!.runs,
    p1_token_stores_remembered: remembered.join(', ') || 'none',
    p6_sea_hit_vs_npm: round(timed.sea_hit!.medianMs / hit),
    p6_sea_hit_ms: round(timed.sea_hit!.medianMs, 1),
    ...(baseHome
      ? {
          p1_cache_hit_vs_baseline: round(timed.hit_via_env!.medianMs / timed.baseline_hit_via_env!.medianMs),
          p1_cache_hit_cpu_vs_baseline: round(timed.hit_via_env!.cpuMs / timed.baseline_hit_via_env!.cpuMs),
        }
      : {}),
  };
}

/** Where the remembered hits read their tokens (the memo entries' targets). */
function rememberedTargets(home: string): { store: string; key: string }[] {
  const directory = join(home, 'cache', 'memo');
  try {
    return readdirSync(directory)
      .filter((name) => name.endsWith('.json') && !name.endsWith('.young.json'))
      .map((file) => (JSON.parse(readFileSync(join(directory, file), 'utf8')) as { target: { store: string; key: string } }).target);
  } catch {
    return [];
  }
}

function leaseCount(home: string, role: string): number {
  try {
    return readdirSync(join(home, 'leases', role)).filter((file) => file.endsWith('.json')).length;
  } catch {
    return 0;
  }
}

/**
 * gke-gcloud-auth-plugin answers from `gke_gcloud_auth_plugin_cache` beside the kubeconfig
 * while the token there is unexpired and was cached for the current context — its own cache
 * hit, with no gcloud call. A fake token is enough: nothing is sent anywhere.
 * undefined: not installed; false: installed but did not answer from the cache.
 */
async function prepareGkePlugin(kubeconfig: string, currentContext: string, env: NodeJS.ProcessEnv): Promise<boolean | undefined> {
  const expiry = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const token = 'bench-not-a-real-token';
  writeFileSync(join(dirname(kubeconfig), 'gke_gcloud_auth_plugin_cache'), JSON.stringify({ current_context: currentContext, access_token: token, token_expiry: expiry }), { mode: 0o600 });
  const answer = await run(GKE_PLUGIN, [], env).catch(() => undefined);
  if (!answer) return undefined;
  return answer.status === 0 && answer.stdout.includes(token);
}
