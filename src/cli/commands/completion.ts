// `completion bash|zsh` prints a script that completes kubectl-tempcreds in the shell; the
// script asks `__complete WORDS…` (../complete.ts) for the candidates.

import type { CommandHandler } from '../command-spec.js';
import { NO_FILES } from '../completion-engine.js';
import { print } from '../io.js';
import type { completionSpec } from '../specs/completion.js';

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

export const completionCommand: CommandHandler<typeof completionSpec> = {
  handler: (args) => print(args.shell === 'bash' ? bashScript : zshScript),
};
