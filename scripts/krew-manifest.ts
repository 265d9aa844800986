// The krew manifest of a release, rendered from krew-manifest.template.yaml: one platform entry
// per release archive (selector, uri, lowercase sha256, bin — kubectl-tempcreds.exe on Windows —
// and the files to install). Also the `.krew.yaml` template krew-release-bot renders for each
// tag (it fills in the uri and sha256 itself).
//
//   tsx scripts/krew-manifest.ts --archives DIR [--uri-base URL] [--out FILE]
//       every release platform's archive must be in DIR (the release workflow's last job)
//   tsx scripts/krew-manifest.ts --krew-release-bot [--out FILE]
//       the .krew.yaml template (committed; a unit test keeps it in step with the template)

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Where releases are published; the manifest's homepage and archive URIs derive from it. */
export const REPOSITORY = process.env.TEMPCREDS_REPOSITORY ?? 'https://github.com/kubectl-tempcreds/kubectl-tempcreds';

/** A release platform in krew's selector names (Go's). */
export interface ReleasePlatform {
  os: 'linux' | 'darwin' | 'windows';
  arch: 'amd64' | 'arm64';
}

/** What the release workflow builds, each on a native runner (.github/workflows/release.yml). */
export const RELEASE_PLATFORMS: ReleasePlatform[] = [
  { os: 'linux', arch: 'amd64' },
  { os: 'linux', arch: 'arm64' },
  { os: 'darwin', arch: 'amd64' },
  { os: 'darwin', arch: 'arm64' },
  { os: 'windows', arch: 'amd64' },
];

/** The archive of a platform: a zip on Windows (what its users and krew expect there), else a tar.gz. */
export const archiveName = ({ os, arch }: ReleasePlatform) => `kubectl-tempcreds_${os}_${arch}.${os === 'windows' ? 'zip' : 'tar.gz'}`;

/** The plugin's executable in the archive. */
export const executableName = ({ os }: ReleasePlatform) => (os === 'windows' ? 'kubectl-tempcreds.exe' : 'kubectl-tempcreds');

/**
 * What krew installs from the archive: the executable, keytar's addon beside it, the LICENSE, and
 * (not on Windows, where kubectl cannot run a shell script) the completion helper.
 */
export const archiveFiles = (platform: ReleasePlatform) => [executableName(platform), 'keytar.node', ...(platform.os === 'windows' ? [] : ['kubectl_complete-tempcreds']), 'LICENSE'];

/** Where a platform's archive comes from: a uri and its digest, or a krew-release-bot directive filling in both. */
export type ArchiveSource = { uri: string; sha256: string } | { krewReleaseBot: string };

export function renderManifest(template: string, version: string, platforms: { platform: ReleasePlatform; source: ArchiveSource }[]): string {
  const entries = platforms.map(({ platform, source }) => {
    const location = 'krewReleaseBot' in source ? [`    {{addURIAndSha "${source.krewReleaseBot}" .TagName }}`] : [`    uri: ${source.uri}`, `    sha256: ${lowercaseDigest(source.sha256)}`];
    return [
      '  - selector:',
      '      matchLabels:',
      `        os: ${platform.os}`,
      `        arch: ${platform.arch}`,
      ...location,
      `    bin: ${executableName(platform)}`,
      '    files:',
      ...archiveFiles(platform).flatMap((file) => [`    - from: ${file}`, '      to: .']),
    ].join('\n');
  });
  const manifest = template
    .replace(/^#.*\n/gm, '')
    .replaceAll('v{{VERSION}}', version)
    .replaceAll('{{HOMEPAGE}}', REPOSITORY)
    .replace('{{PLATFORMS}}', entries.join('\n'));
  const left = /\{\{[A-Z]+\}\}/.exec(manifest);
  if (left) throw new Error(`krew-manifest.template.yaml: ${left[0]} is not filled in`);
  return manifest;
}

/** krew compares digests as lowercase hex. */
function lowercaseDigest(digest: string): string {
  const lower = digest.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(lower)) throw new Error(`"${digest}" is not a sha256 digest (64 hex digits)`);
  return lower;
}

export const readTemplate = () => readFileSync(join(ROOT, 'krew-manifest.template.yaml'), 'utf8');
export const packageVersion = () => (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** The manifest of a release whose archives are all in `directory`. */
export function releaseManifest(directory: string, uriBase = `${REPOSITORY}/releases/download/v${packageVersion()}`): string {
  return renderManifest(
    readTemplate(),
    `v${packageVersion()}`,
    RELEASE_PLATFORMS.map((platform) => {
      const file = join(directory, archiveName(platform));
      try {
        return { platform, source: { uri: `${uriBase}/${archiveName(platform)}`, sha256: sha256(file) } };
      } catch (error) {
        throw new Error(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): every release platform's archive must be there`);
      }
    }),
  );
}

/** The .krew.yaml template: krew-release-bot fills in the tag, each uri and sha256. */
export function krewReleaseBotTemplate(): string {
  const header = '# For krew-release-bot (rendered at each v* tag). Generated: tsx scripts/krew-manifest.ts --krew-release-bot --out .krew.yaml\n';
  const platforms = RELEASE_PLATFORMS.map((platform) => ({ platform, source: { krewReleaseBot: `${REPOSITORY}/releases/download/{{ .TagName }}/${archiveName(platform)}` } }));
  return header + renderManifest(readTemplate(), '{{ .TagName }}', platforms);
}

function main(argv: string[]): void {
  const { values } = parseArgs({ args: argv, options: { archives: { type: 'string' }, 'uri-base': { type: 'string' }, 'krew-release-bot': { type: 'boolean' }, out: { type: 'string' } } });
  if (!values.archives === !values['krew-release-bot']) throw new Error('give --archives DIR or --krew-release-bot (see the top of scripts/krew-manifest.ts)');
  const manifest = values.archives ? releaseManifest(resolve(values.archives), values['uri-base']) : krewReleaseBotTemplate();
  if (values.out) writeFileSync(values.out, manifest);
  else process.stdout.write(manifest);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`krew-manifest: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
