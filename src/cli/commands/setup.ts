// `setup`: the least-privilege issuer identity — a Role and RoleBinding in each namespace it
// serves, a ClusterRole for what is cluster-wide (core/issuer-rbac.ts), and the issuer guard —
// applied as an admin, or printed as YAML to review and apply by hand.

import { applyController, applyIssuer } from '../../app/setup.js';
import { formatDuration } from '../../core/duration.js';
import type { Manifest } from '../../core/grant-plan.js';
import { checkIssuerName, DEFAULT_ISSUER_NAME, escalationTradeOff, GUARD_SUMMARY, issuerManifests, parseGuardMaxTtl, parseIssuerSubject, parseServedNamespaces, subjectUserName, type IssuerSetup } from '../../core/issuer-setup.js';
import { CREDENTIAL_ROLE_CRD } from '../../core/manifests/credential-role-crd.js';
import { toYaml } from '../../core/structured-text.js';
import { CONTROLLER_DOCKERFILE, CONTROLLER_SUBJECT, controllerImage, controllerManifests, type ControllerSetup } from '../../core/manifests/controller.js';
import { CONTROLLER_NAME, CONTROLLER_NAMESPACE } from '../../core/delegation-names.js';
import { STAMP_API_VERSIONS, STAMP_POLICY_KIND } from '../../core/manifests/request-stamp.js';
import { invalidInput } from '../../core/errors.js';
import { packageVersion } from '../../adapters/build-info.js';
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

function printedYaml(manifests: Manifest[], setup: IssuerSetup, controller?: ControllerSetup): string {
  const { subject, withEscalation, guard } = setup;
  const header = [
    ...(controller
      ? [`kubectl-tempcreds delegated issuance: the CredentialRequest API and its admission policy, the requester ClusterRole, and the controller (Deployment ${CONTROLLER_NAMESPACE}/${CONTROLLER_NAME}, image ${controller.image}), the only holder of the issuer identity:`]
      : []),
    `kubectl-tempcreds issuer identity for ${subjectUserName(subject)}, ${scopeOf(setup)}, ${withEscalation ? 'with' : 'without'} escalate/bind, ${guard ? `with the issuer guard (tokens of at most ${formatDuration(setup.maxTtlSeconds)})` : 'without the issuer guard'}.`,
    ...wrap(escalationTradeOff(withEscalation)),
    ...(guard ? wrap(GUARD_SUMMARY) : []),
    controller ? 'Apply with: kubectl apply --server-side --field-manager=kubectl-tempcreds -f FILE (as an admin)' : 'Apply with: kubectl apply -f FILE (as an admin)',
  ].map((line) => `# ${line}`);
  // The image's Dockerfile as comments: the output stays one file kubectl applies.
  const dockerfile = controller ? `# The controller image (deploy/controller/Dockerfile):\n${CONTROLLER_DOCKERFILE.trimEnd().split('\n').map((line) => `#   ${line}`.trimEnd()).join('\n')}\n` : '';
  return `${header.join('\n')}\n${manifests.map((manifest) => `---\n${manifest.kind === STAMP_POLICY_KIND ? STAMP_NOTE : ''}${toYaml(manifest)}`).join('')}${dockerfile}`;
}

/** Before the request stamp in printed YAML: setup applies it only where served, so a file for any cluster says so. */
const STAMP_NOTE = [
  'Only where the API server serves MutatingAdmissionPolicy (setup --controller applies it only there): this policy and its binding',
  `fill in a request's missing spec.requester from the authenticated user; never overwrite it. ${STAMP_API_VERSIONS[0]} from Kubernetes 1.36;`,
  `on 1.34-1.35 with the MutatingAdmissionPolicy feature gate, ${STAMP_API_VERSIONS[1]}; elsewhere leave both out (the validating policy is the check).`,
].map((line) => `# ${line}\n`).join('');

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
    if (args.controller) return setupController(args);
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

/** `setup --controller`: the controller is the issuer (its own ServiceAccount and name), so only the scope is chosen. */
async function setupController(args: ArgsOf<typeof setupSpec>): Promise<void> {
  for (const flag of ['service-account', 'user'] as const) if (args[flag] !== undefined) throw invalidInput(`--${flag} does not go with --controller: the controller's ServiceAccount ${subjectUserName(CONTROLLER_SUBJECT)} is the issuer`);
  if (args.name !== DEFAULT_ISSUER_NAME) throw invalidInput(`--name does not go with --controller: its objects are named ${CONTROLLER_NAME}`);
  if (args.image !== undefined && !/^[^\s]+$/.test(args.image)) throw invalidInput(`--image "${args.image}" is not an image reference (e.g. registry.example/tempcreds-controller:0.1.0)`);
  const controller: ControllerSetup = {
    namespaces: parseServedNamespaces({ namespaces: args.namespaces, allNamespaces: args['all-namespaces'] }),
    clusterScoped: args['cluster-scoped'],
    withEscalation: args.escalate,
    guard: args.guard,
    maxTtlSeconds: parseGuardMaxTtl(args['max-ttl']),
    image: args.image ?? controllerImage(packageVersion()),
  };
  const issuer: IssuerSetup = { ...controller, name: CONTROLLER_NAME, subject: CONTROLLER_SUBJECT };
  if (args.print) return print(printedYaml(controllerManifests({ ...controller, stamp: STAMP_API_VERSIONS[0] }), issuer, controller));

  const applied = await applyController((await composeFor(args).connectDirect()).serverSide(), controller, { force: args.force });
  print(applied.map(({ manifest, result }) => `${resourceName(manifest)}${manifest.metadata.namespace ? ` -n ${manifest.metadata.namespace}` : ''} ${result}`).join('\n'));
  if (args.escalate) warn(`${subjectUserName(CONTROLLER_SUBJECT)} may grant permissions it does not hold (escalate/bind) ${scopeOf(issuer)}; --no-escalate leaves them out (see: kubectl tempcreds setup --help)`);
  if (!args.guard) warn(`${subjectUserName(CONTROLLER_SUBJECT)} has no issuer guard (--no-guard): a stolen credential may delete or rewrite any object its rights reach`);
  print(`Next: give requesters the ClusterRole tempcreds-requester where they ask (a RoleBinding) and each role they may use: kubectl tempcreds role grant ROLE --user NAME`);
}
