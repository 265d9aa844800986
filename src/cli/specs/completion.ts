// `completion bash|zsh`: what shell completion and help know of it.

import { spec } from '../command-spec.js';

export const SHELLS = ['bash', 'zsh'] as const;

export const completionSpec = spec({
  command: 'completion <shell>',
  describe: 'Print a shell completion script (bash or zsh) for kubectl-tempcreds',
  builder: (cli) =>
    cli
      .positional('shell', { choices: SHELLS, demandOption: true, describe: 'The shell' })
      .example('source <($0 completion bash)', 'complete kubectl-tempcreds in this bash session (add it to ~/.bashrc)')
      .example('$0 completion zsh > "${fpath[1]}/_kubectl-tempcreds"', 'install for zsh')
      .epilog(
        '`kubectl tempcreds <TAB>` completes through kubectl (1.26 or newer), which runs kubectl_complete-tempcreds from PATH: npm installs it beside kubectl-tempcreds; with krew, copy it beside the plugin\'s link: cp "$(dirname "$(readlink -f "$(command -v kubectl-tempcreds)")")/kubectl_complete-tempcreds" "${KREW_ROOT:-$HOME/.krew}/bin/"',
      ),
});
