// P1: the exec credential plugin's cache hit — what kubectl pays before every API call —
// against starting Node at all (`node -e 0`), and against gke-gcloud-auth-plugin (Go)
// answering from its own token cache. Each command runs exactly as kubectl runs it: the
// launcher straight from the kubeconfig's exec entry, stdout into a pipe.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import yaml from 'js-yaml';
import { compareCommands, round } from './lib/measure.ts';
import { run, TOOL, toolHome } from './lib/tool.ts';
import { createRoles } from './lib/fixtures.ts';
import type { BenchContext, Figures } from './run.ts';

const EXEC_INFO = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false } });
const GKE_PLUGIN = 'gke-gcloud-auth-plugin';

/**
 * More launchers to time on the same hit, each as `[key, executable]`: the packaged single
 * executable adds its row here (e.g. BENCH_SEA_BIN=release/kubectl-tempcreds), reported as
 * p1_<key>_ms and p1_<key>_vs_cache_hit.
 */
function extraLaunchers(): [string, string][] {
  return process.env.BENCH_SEA_BIN ? [['sea_cache_hit', process.env.BENCH_SEA_BIN]] : [];
}

interface KubeconfigFile {
  'current-context': string;
  users: { name: string; user: { exec?: { args?: string[] } } }[];
}

export async function benchCacheHit(ctx: BenchContext): Promise<Figures> {
  const home = toolHome(ctx.cluster.kubeconfig);
  const roles = await createRoles(home, ctx.ns, 'hit');
  await home.tool(['kubeconfig', roles.A, '-n', ctx.ns]);
  const kubeconfig = yaml.load(readFileSync(home.kubeconfig, 'utf8')) as KubeconfigFile;
  const execArgs = kubeconfig.users.find((user) => user.user.exec)?.user.exec?.args ?? [];
  const env = { ...home.env, KUBERNETES_EXEC_INFO: EXEC_INFO };

  // The first call issues; a call two seconds after the newest file it reads remembers the hit.
  const plugin = (launcher: string) => run(launcher, execArgs, env);
  if ((await plugin(TOOL)).status !== 0) throw new Error('the exec plugin failed on its first call');
  await new Promise((resolve) => setTimeout(resolve, 2100));
  await plugin(TOOL);
  const leasesBefore = leaseCount(home.home, roles.A);
  const store = rememberedStore(home.home);
  if (!store) ctx.log('p1: warning: no cache-hit memo was written; the numbers below are the full path');

  const gke = await prepareGkePlugin(home.kubeconfig, kubeconfig['current-context'], env);
  const commands: Record<string, string> = { node: 'node -e 0', hit: `${TOOL} ${execArgs.join(' ')}` };
  if (gke) commands.gke = GKE_PLUGIN;
  for (const [key, launcher] of extraLaunchers()) commands[key] = `${launcher} ${execArgs.join(' ')}`;
  const timed = compareCommands(commands, { rounds: 6, runsPerRound: 15, warmup: 5, env, output: 'pipe' });
  const issuedDuringRuns = leaseCount(home.home, roles.A) - leasesBefore;
  if (issuedDuringRuns !== 0) throw new Error(`p1: ${issuedDuringRuns} lease(s) were issued while timing cache hits`);

  const hit = timed.hit!.medianMs;
  const figures: Figures = {
    p1_cache_hit_vs_node: round(hit / timed.node!.medianMs),
    p1_cache_hit_ms: round(hit, 1),
    p1_node_ms: round(timed.node!.medianMs, 1),
    p1_vs_gke_plugin: gke ? round(hit / timed.gke!.medianMs) : gke === undefined ? 'not installed' : 'did not answer from its cache',
    ...(gke ? { p1_gke_plugin_ms: round(timed.gke!.medianMs, 1) } : {}),
    p1_runs_per_command: timed.hit!.runs,
    p1_token_store: store ?? 'none remembered',
  };
  for (const [key] of extraLaunchers()) {
    figures[`p1_${key}_ms`] = round(timed[key]!.medianMs, 1);
    figures[`p1_${key}_vs_cache_hit`] = round(timed[key]!.medianMs / hit);
  }
  return figures;
}

/** Which store the remembered hit reads (`--token-cache auto` picks the keychain only with a D-Bus session). */
function rememberedStore(home: string): string | undefined {
  const directory = join(home, 'cache', 'memo');
  try {
    const [file] = readdirSync(directory).filter((name) => name.endsWith('.json'));
    return file ? (JSON.parse(readFileSync(join(directory, file), 'utf8')) as { target: { store: string } }).target.store : undefined;
  } catch {
    return undefined;
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
