// `setup`: the least-privilege issuer identity — a ClusterRole with the rules of
// core/issuer-rbac.ts and its binding to a ServiceAccount or user — applied as an admin,
// or printed as YAML to review and apply by hand (what Vault's tutorial has you write).

import type { Argv, CommandModule } from 'yargs';
import { applyIssuer } from '../../app/setup.js';
import type { Manifest } from '../../core/grant-plan.js';
import { checkIssuerName, DEFAULT_ISSUER_NAME, escalationTradeOff, issuerManifests, parseIssuerSubject, subjectUserName, type IssuerSubject } from '../../core/issuer-setup.js';
import { toYaml } from '../../core/structured-text.js';
import { runtimeFor, type GlobalArgs } from '../global-options.js';
import { print, warn } from '../io.js';
import { connectDirect } from '../kube-connect.js';

type SetupArgs = GlobalArgs & { 'service-account'?: string; user?: string; name: string; escalate: boolean; print: boolean };

function resourceName(manifest: Manifest): string {
  const group = manifest.apiVersion.includes('/') ? `.${manifest.apiVersion.split('/')[0]}` : '';
  return `${manifest.kind.toLowerCase()}${group}/${manifest.metadata.name}`;
}

function wrap(text: string, width = 78): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}

function printedYaml(manifests: Manifest[], subject: IssuerSubject, withEscalation: boolean): string {
  const header = [
    `kubectl-tempcreds issuer identity for ${subjectUserName(subject)}, ${withEscalation ? 'with' : 'without'} escalate/bind.`,
    ...wrap(escalationTradeOff(withEscalation)),
    'Apply with: kubectl apply -f FILE (as an admin)',
  ].map((line) => `# ${line}`);
  return `${header.join('\n')}\n${manifests.map((manifest) => `---\n${toYaml(manifest)}`).join('')}`;
}

function nextSteps(subject: IssuerSubject, name: string): string {
  if (subject.kind === 'User') {
    return [
      `Next: "${subject.name}" signs in by your cluster's own means (client certificate, OIDC, …); check its kubeconfig context with:`,
      '  kubectl tempcreds doctor --context ISSUER_CONTEXT',
    ].join('\n');
  }
  const { namespace, name: account } = subject;
  return [
    `Next: give the issuer a kubeconfig context, e.g. with a token of ServiceAccount ${namespace}/${account} (renew it before it expires):`,
    `  kubectl config set-credentials ${name} --token="$(kubectl create token ${account} -n ${namespace} --duration 24h)"`,
    `  kubectl config set-context ${name} --cluster "$(kubectl config view --minify -o jsonpath='{.clusters[0].name}')" --user ${name}`,
    `  kubectl tempcreds doctor --context ${name}`,
  ].join('\n');
}

export const setupCommand: CommandModule<GlobalArgs, SetupArgs> = {
  command: 'setup',
  describe: 'Create the least-privilege issuer identity the tool acts as (ClusterRole + binding), or print it as YAML',
  builder: (cli) =>
    (cli as Argv<GlobalArgs>)
      .option('service-account', { type: 'string', describe: 'The issuer is this ServiceAccount, NAMESPACE/NAME (created when missing)' })
      .option('user', { type: 'string', describe: 'The issuer is this user (as your cluster authenticates it)' })
      .conflicts('service-account', 'user')
      .option('name', { type: 'string', default: DEFAULT_ISSUER_NAME, describe: 'Name of the ClusterRole and ClusterRoleBinding' })
      .option('escalate', {
        type: 'boolean',
        default: true,
        describe: 'Include the escalate/bind verbs on roles and clusterroles (--no-escalate leaves them out; see below)',
      })
      .option('print', { type: 'boolean', default: false, describe: 'Print the objects as YAML instead of applying them (no cluster access)' })
      .example('$0 setup --service-account tempcreds/issuer --context admin', 'a ServiceAccount issuer, applied with the admin context')
      .example('$0 setup --user ci-issuer --no-escalate --print > issuer.yaml', 'review the RBAC of an issuer that can grant only what it holds')
      .example('$0 setup --user alice --context admin && $0 doctor --context alice', 'then check it as the issuer')
      .epilog(
        `The issuer needs to create and delete ServiceAccounts, their tokens, Secrets, Roles, RoleBindings, ClusterRoles and ClusterRoleBindings (src/core/issuer-rbac.ts).\n\n${escalationTradeOff(true)}\n\n${escalationTradeOff(false)}`,
      ) as never,
  handler: async (args) => {
    const subject = parseIssuerSubject({ serviceAccount: args['service-account'], user: args.user });
    const name = checkIssuerName(args.name);
    const manifests = issuerManifests({ name, subject, withEscalation: args.escalate });
    if (args.print) return print(printedYaml(manifests, subject, args.escalate));

    runtimeFor(args); // validates the global flags
    const applied = await applyIssuer(await connectDirect(args), manifests);
    print(applied.map(({ manifest, result }) => `${resourceName(manifest)} ${result}`).join('\n'));
    if (args.escalate) warn(`${subjectUserName(subject)} may grant permissions it does not hold (escalate/bind); --no-escalate leaves them out (see: kubectl tempcreds setup --help)`);
    print(nextSteps(subject, name));
  },
};
