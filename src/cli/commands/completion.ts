// `completion bash|zsh` prints a script that completes kubectl-tempcreds in the shell;
// `__complete WORDS…` (hidden) answers it, and kubectl_complete-tempcreds, which kubectl
// runs for `kubectl tempcreds <TAB>`. Values: role names, lease ids, namespaces (the
// role's own, else the cluster's), contexts, and each option's choices.

import { readFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import yaml from 'js-yaml';
import { kubeconfigPaths } from '../../adapters/kubeconfig.js';
import type { RoleDefinition } from '../../core/role-spec.js';
import { createRuntime } from '../../runtime.js';
import { commandSpecs, globalFlagSpecs, parseWords, structuralCandidates, type Completion, type ParsedWords } from '../completion-engine.js';
import { withGlobalOptions, type GlobalArgs } from '../global-options.js';
import { print } from '../io.js';
import { connectDirect } from '../kube-connect.js';

const SHELLS = ['bash', 'zsh'] as const;
const NO_FILES = 4;
const FILES = 0;
const LIVE_LOOKUP_TIMEOUT_MS = 2000;

const bashScript = `# bash completion for kubectl-tempcreds. Load it with:
#   source <(kubectl-tempcreds completion bash)
# (\`kubectl tempcreds <TAB>\` completes through kubectl_complete-tempcreds instead.)
_kubectl_tempcreds() {
  local line=\${COMP_LINE:0:COMP_POINT} out directive candidate
  local -a words
  read -r -a words <<< "$line"
  [[ $line =~ [[:space:]]$ ]] && words+=("")
  out=$("\${words[0]}" __complete "\${words[@]:1}" 2>/dev/null) || return 0
  directive=\${out##*:}
  out=\${out%:*}
  COMPREPLY=()
  while IFS= read -r candidate; do
    [[ -n $candidate ]] && COMPREPLY+=("\${candidate%%$'\\t'*}")
  done <<< "$out"
  if (( \${#COMPREPLY[@]} == 0 && (directive & ${NO_FILES}) == 0 )); then
    mapfile -t COMPREPLY < <(compgen -f -- "\${COMP_WORDS[COMP_CWORD]}")
  fi
}
complete -F _kubectl_tempcreds kubectl-tempcreds
`;

const zshScript = `#compdef kubectl-tempcreds
# zsh completion for kubectl-tempcreds. Load it with:
#   source <(kubectl-tempcreds completion zsh)
# or save it as _kubectl-tempcreds in a directory of $fpath.
_kubectl_tempcreds() {
  local out directive line value description
  local -a lines candidates
  out=$("\${words[1]}" __complete "\${(@)words[2,CURRENT]}" 2>/dev/null) || return 1
  lines=("\${(@f)out}")
  directive=\${lines[-1]#:}
  for line in "\${(@)lines[1,-2]}"; do
    [[ -z $line ]] && continue
    value=\${line%%$'\\t'*}
    description=""
    [[ $line == *$'\\t'* ]] && description=\${line#*$'\\t'}
    candidates+=("\${value//:/\\\\:}\${description:+:$description}")
  done
  if (( \${#candidates} )); then
    _describe -t values 'kubectl-tempcreds' candidates
  elif (( (directive & ${NO_FILES}) == 0 )); then
    _files
  fi
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _kubectl_tempcreds "$@"
else
  compdef _kubectl_tempcreds kubectl-tempcreds
fi
`;

type CompletionArgs = GlobalArgs & { shell: (typeof SHELLS)[number] };

export const completionCommand: CommandModule<GlobalArgs, CompletionArgs> = {
  command: 'completion <shell>',
  describe: 'Print a shell completion script (bash or zsh) for kubectl-tempcreds',
  builder: (cli) =>
    (cli as Argv<GlobalArgs>)
      .positional('shell', { choices: SHELLS, demandOption: true, describe: 'The shell' })
      .example('source <($0 completion bash)', 'complete kubectl-tempcreds in this bash session (add it to ~/.bashrc)')
      .example('$0 completion zsh > "${fpath[1]}/_kubectl-tempcreds"', 'install for zsh')
      .epilog(
        '`kubectl tempcreds <TAB>` completes through kubectl (1.26 or newer), which runs kubectl_complete-tempcreds from PATH: npm installs it beside kubectl-tempcreds; with krew, copy it beside the plugin\'s link: cp "$(dirname "$(readlink -f "$(command -v kubectl-tempcreds)")")/kubectl_complete-tempcreds" "${KREW_ROOT:-$HOME/.krew}/bin/"',
      ) as never,
  handler: (args) => print(args.shell === 'bash' ? bashScript : zshScript),
};

/** Context names of the kubeconfig files kubectl would read. */
function contextNames(kubeconfig: string | undefined): string[] {
  return kubeconfigPaths(kubeconfig, process.env).flatMap((path) => {
    try {
      const config = yaml.load(readFileSync(path, 'utf8')) as { contexts?: { name?: string }[] } | undefined;
      return (config?.contexts ?? []).map((context) => context.name).filter((name): name is string => typeof name === 'string');
    } catch {
      return [];
    }
  });
}

async function namespaces(parsed: ParsedWords, roles: RoleDefinition[]): Promise<string[]> {
  const { given, path } = parsed;
  const roleName = given.role ?? (path[0] === 'role' ? given.name : undefined);
  const role = roles.find((candidate) => candidate.name === roleName);
  const listed = (role ? [role] : roles).flatMap((candidate) => candidate.spec.allowedNamespaces).filter((namespace) => namespace !== '*');
  const open = !role || role.spec.allowedNamespaces.includes('*') || role.spec.namespaceSelector !== undefined;
  if (!open) return listed;
  // The role allows namespaces by pattern: ask the cluster, briefly; no answer is no candidates.
  const live = await connectDirect({ kubeconfig: given.kubeconfig, context: given.context ?? role?.spec.issuerContext }, LIVE_LOOKUP_TIMEOUT_MS)
    .then((client) => client.namespaceNames())
    .catch(() => [] as string[]);
  return [...listed, ...live];
}

async function valueCandidates(parsed: ParsedWords): Promise<Completion> {
  const { slot, path } = parsed;
  if (slot.kind === 'none') return { candidates: [], directive: NO_FILES };
  const choices = slot.kind === 'flag' ? slot.flag.choices : slot.choices;
  if (choices) return { candidates: choices.map((value) => ({ value })), directive: NO_FILES };
  const name = slot.kind === 'flag' ? slot.flag.names[0]! : slot.name;
  if (slot.kind === 'flag' && ['kubeconfig', 'filename'].includes(name)) return { candidates: [], directive: FILES };
  const runtime = createRuntime({ kubeconfig: parsed.given.kubeconfig });
  const roleNames = async () => (await runtime.roleSource.list()).roles.map((role) => role.name);
  let values: string[] = [];
  if (slot.kind === 'flag' && name === 'namespace') values = await namespaces(parsed, (await runtime.roleSource.list()).roles);
  else if (slot.kind === 'flag' && name.endsWith('context')) values = contextNames(parsed.given.kubeconfig);
  else if (name === 'role' || (slot.kind === 'positional' && name === 'name' && path[0] === 'role' && path[1] !== 'create')) values = await roleNames();
  else if (slot.kind === 'positional' && name === 'id') values = (await runtime.leases.list(parsed.given.role)).leases.map((lease) => lease.id);
  return { candidates: [...new Set(values)].map((value) => ({ value })), directive: NO_FILES };
}

/** Answers `__complete WORDS…` on stdout in Cobra's format. Never fails: a broken source just offers nothing. */
export async function complete(words: string[], commands: readonly CommandModule<never, never>[]): Promise<0> {
  const globalFlags = globalFlagSpecs(withGlobalOptions as never);
  const root = { name: '', aliases: [], positionals: [], flags: [], subcommands: commandSpecs([...commands, completionCommand] as never) };
  root.subcommands = root.subcommands.filter((command, index, all) => all.findIndex((other) => other.name === command.name) === index);
  const parsed = parseWords(root, globalFlags, words);
  let completion: Completion;
  try {
    completion = parsed.slot.kind === 'none' ? { candidates: structuralCandidates(parsed, globalFlags), directive: NO_FILES } : await valueCandidates(parsed);
  } catch {
    completion = { candidates: [], directive: NO_FILES };
  }
  const lines = completion.candidates
    .filter((candidate) => candidate.value.startsWith(parsed.current))
    .map((candidate) => (candidate.describe ? `${candidate.value}\t${candidate.describe.split('\n')[0]}` : candidate.value));
  process.stdout.write(`${[...lines, `:${completion.directive}`].join('\n')}\n`);
  return 0;
}
