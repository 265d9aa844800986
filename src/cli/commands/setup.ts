// `setup`: the least-privilege issuer identity — a Role and RoleBinding in each namespace it
// serves, a ClusterRole for what is cluster-wide (core/issuer-rbac.ts), and the issuer guard —
// applied as an admin, or printed as YAML to review and apply by hand.

import { applyIssuer } from '../../app/setup.js';
import { formatDuration } from '../../core/duration.js';
import type { Manifest } from '../../core/grant-plan.js';
import { checkIssuerName, escalationTradeOff, GUARD_SUMMARY, issuerManifests, parseGuardMaxTtl, parseIssuerSubject, parseServedNamespaces, subjectUserName, type IssuerSetup } from '../../core/issuer-setup.js';
import { CREDENTIAL_ROLE_CRD } from '../../core/manifests/credential-role-crd.js';
import { toYaml } from '../../core/structured-text.js';
import type { ArgsOf, CommandHandler } from '../command-spec.js';
import { composeFor } from '../global-options.js';
import { print, warn } from '../io.js';
import type { setupSpec } from '../specs/setup.js';

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

function scopeOf({ namespaces, clusterScoped }: IssuerSetup): string {
  const where = namespaces === 'all' ? 'in every namespace' : `in namespace${namespaces.length === 1 ? '' : 's'} ${namespaces.join(', ')}`;
  return `${where}${clusterScoped ? ', plus ClusterRoles and ClusterRoleBindings' : ''}`;
}

function printedYaml(manifests: Manifest[], setup: IssuerSetup): string {
  const { subject, withEscalation, guard } = setup;
  const header = [
    `kubectl-tempcreds issuer identity for ${subjectUserName(subject)}, ${scopeOf(setup)}, ${withEscalation ? 'with' : 'without'} escalate/bind, ${guard ? `with the issuer guard (tokens of at most ${formatDuration(setup.maxTtlSeconds)})` : 'without the issuer guard'}.`,
    ...wrap(escalationTradeOff(withEscalation)),
    ...(guard ? wrap(GUARD_SUMMARY) : []),
    'Apply with: kubectl apply -f FILE (as an admin)',
  ].map((line) => `# ${line}`);
  return `${header.join('\n')}\n${manifests.map((manifest) => `---\n${toYaml(manifest)}`).join('')}`;
}

function nextSteps({ subject, name, namespaces }: IssuerSetup): string {
  // doctor checks a namespaced issuer where it serves: -n names one until roles name them.
  const where = namespaces === 'all' ? '' : ` -n ${namespaces[0]}`;
  if (subject.kind === 'User') {
    return [
      `Next: "${subject.name}" signs in by your cluster's own means (client certificate, OIDC, …); check its kubeconfig context with:`,
      `  kubectl tempcreds doctor --context ISSUER_CONTEXT${where}`,
    ].join('\n');
  }
  const { namespace, name: account } = subject;
  return [
    `Next: give the issuer a kubeconfig context, e.g. with a token of ServiceAccount ${namespace}/${account} (renew it before it expires):`,
    `  kubectl config set-credentials ${name} --token="$(kubectl create token ${account} -n ${namespace} --duration 24h)"`,
    `  kubectl config set-context ${name} --cluster "$(kubectl config view --minify -o jsonpath='{.clusters[0].name}')" --user ${name}`,
    `  kubectl tempcreds doctor --context ${name}${where}`,
  ].join('\n');
}

/** The issuer identity the flags ask for; bad flags are refused here (exit 2), before any cluster access. */
export function issuerSetup(args: ArgsOf<typeof setupSpec>): IssuerSetup {
  return {
    subject: parseIssuerSubject({ serviceAccount: args['service-account'], user: args.user }),
    name: checkIssuerName(args.name),
    namespaces: parseServedNamespaces({ namespaces: args.namespaces, allNamespaces: args['all-namespaces'] }),
    clusterScoped: args['cluster-scoped'],
    withEscalation: args.escalate,
    guard: args.guard,
    maxTtlSeconds: parseGuardMaxTtl(args['max-ttl']),
  };
}

export const setupCommand: CommandHandler<typeof setupSpec> = {
  handler: async (args) => {
    const setup = issuerSetup(args);
    const manifests = issuerManifests(setup);
    // The CredentialRole CRD goes last: a refused issuer (bad input) changes nothing at all.
    if (args.print) return print(printedYaml([...manifests, CREDENTIAL_ROLE_CRD], setup));

    const root = composeFor(args);
    const applied = await applyIssuer(await root.connectDirect(), manifests, { force: args.force });
    applied.push({ manifest: CREDENTIAL_ROLE_CRD, result: await root.applyCrd(CREDENTIAL_ROLE_CRD) });
    print(applied.map(({ manifest, result }) => `${resourceName(manifest)}${manifest.metadata.namespace ? ` -n ${manifest.metadata.namespace}` : ''} ${result}`).join('\n'));
    if (args.escalate) warn(`${subjectUserName(setup.subject)} may grant permissions it does not hold (escalate/bind) ${scopeOf(setup)}; --no-escalate leaves them out (see: kubectl tempcreds setup --help)`);
    if (!args.guard) warn(`${subjectUserName(setup.subject)} has no issuer guard (--no-guard): a stolen credential may delete or rewrite any object its rights reach`);
    print(nextSteps(setup));
  },
};
