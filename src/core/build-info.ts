// What a build is: the package version, the commit it was built from, the Node running it and
// the platform — what `version` prints and `doctor` starts with. Platforms in krew's (Go's) names.

export interface BuildInfo {
  version: string;
  /** The git commit the build was made from, or "unknown" (not built in a git checkout). */
  commit: string;
  /** process.version of the running Node (inside the single executable too). */
  node: string;
  /** GOOS-style: linux, darwin, windows. */
  platform: string;
  /** GOARCH-style: amd64, arm64. */
  arch: string;
}

const GO_OS: Partial<Record<string, string>> = { win32: 'windows' };
const GO_ARCH: Partial<Record<string, string>> = { x64: 'amd64', ia32: '386' };

/** Node's platform and arch in the names krew selectors and release archives use. */
export function goPlatform(platform: string, arch: string): { os: string; arch: string } {
  return { os: GO_OS[platform] ?? platform, arch: GO_ARCH[arch] ?? arch };
}

/** The lines of `version`, and the first checks of `doctor`. */
export function versionEntries(info: BuildInfo): [string, string][] {
  return [
    ['version', info.version],
    ['commit', info.commit],
    ['node', info.node],
    ['platform', `${info.platform}/${info.arch}`],
  ];
}
