// The GitHub Actions workflows pass actionlint (built from its pinned Go module in
// test/actionlint/go, cached like the control plane), and say what the release needs: every
// platform on a native runner, the archives scripts/krew-manifest.ts expects, the command the
// packaging script answers to, npm provenance, and the README's test command on pull requests.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { ensureGoBinaries } from '../controlplane/binaries.ts';
import { TEMPCREDS_BIN, runProcess } from '../helpers/tempcreds.ts';
import { RELEASE_PLATFORMS, archiveName } from '../../scripts/krew-manifest.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const WORKFLOWS = join(ROOT, '.github', 'workflows');

interface Step { run?: string; uses?: string; with?: Record<string, unknown>; if?: string }
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, { 'runs-on': string; strategy?: { matrix: { include: { runner: string; os: string; arch: string }[] } }; permissions?: Record<string, string>; steps: Step[] }>;
}
const workflow = (name: string) => yaml.load(readFileSync(join(WORKFLOWS, name), 'utf8')) as Workflow;
const runs = (steps: Step[]) => steps.flatMap((step) => (step.run ? [step.run] : [])).join('\n');

describe('the GitHub Actions workflows', () => {
  let actionlint: string;
  before(async () => {
    const tools = await ensureGoBinaries({
      moduleDir: join(ROOT, 'test/actionlint/go'),
      packages: { actionlint: 'github.com/rhysd/actionlint/cmd/actionlint' },
      cacheName: 'actionlint',
      what: 'actionlint from test/actionlint/go (first run only, ~1 min)',
    });
    actionlint = join(tools, 'actionlint');
  });

  it('pass actionlint', async () => {
    const files = readdirSync(WORKFLOWS).filter((file) => /\.ya?ml$/.test(file)).sort();
    assert.deepEqual(files, ['ci.yml', 'release.yml']);
    const result = await runProcess(actionlint, ['-no-color', ...files.map((file) => join(WORKFLOWS, file))], { env: { ...process.env } });
    assert.equal(result.status, 0, `actionlint:\n${result.stdout}${result.stderr}`);
  });

  it('actionlint does catch a broken workflow (the check is real)', async () => {
    const broken = join(mkdtempSync(join(tmpdir(), 'tempcreds-workflow-')), 'broken.yml');
    writeFileSync(broken, 'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n');
    const result = await runProcess(actionlint, ['-no-color', broken], { env: { ...process.env } });
    assert.equal(result.status, 1, result.stdout);
    assert.match(result.stdout, /matrix/);
  });

  it('release: every platform on its native runner, packaged, smoke-tested, uploaded under the name the manifest expects', () => {
    const release = workflow('release.yml');
    assert.deepEqual(Object.keys(release.on), ['push']);
    const { build, publish } = release.jobs;
    assert.ok(build && publish);
    const matrix = build.strategy!.matrix.include;
    assert.deepEqual(matrix.map(({ runner, os, arch }) => `${runner} ${os}/${arch}`), ['ubuntu-latest linux/amd64', 'ubuntu-24.04-arm linux/arm64', 'macos-15-intel darwin/amd64', 'macos-14 darwin/arm64', 'windows-latest windows/amd64']);
    assert.deepEqual(matrix.map(({ os, arch }) => `${os}/${arch}`), RELEASE_PLATFORMS.map(({ os, arch }) => `${os}/${arch}`));
    const script = runs(build.steps);
    assert.match(script, /npm ci/);
    assert.match(script, /npm run package -- --platform "\$\{\{ matrix\.os \}\}\/\$\{\{ matrix\.arch \}\}" --out release/);
    assert.match(script, /codesign --verify --strict/, 'package.ts signs on macOS; the job checks it');
    assert.match(script, /--help[\s\S]*version[\s\S]*scripts\/smoke\.ts/);
    const upload = build.steps.find((step) => step.uses?.startsWith('actions/upload-artifact'))!;
    for (const platform of RELEASE_PLATFORMS) {
      const path = String(upload.with!.path).replaceAll('${{ matrix.os }}', platform.os).replaceAll('${{ matrix.arch }}', platform.arch).replace(/\$\{\{ matrix\.os == 'windows' && 'zip' \|\| 'tar\.gz' \}\}/, platform.os === 'windows' ? 'zip' : 'tar.gz');
      assert.equal(path, `release/${archiveName(platform)}`);
    }
  });

  it('the release jobs\' smoke test passes with no cluster: help, and an exec cache hit after the stub issuer is gone', async () => {
    const result = await runProcess(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'smoke.ts'), TEMPCREDS_BIN], { env: { ...process.env } });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /issued through the stub issuer, then served from the file cache/);
    const broken = await runProcess(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'smoke.ts'), '/bin/false'], { env: { ...process.env } });
    assert.equal(broken.status, 1);
  });

  it('release: the krew manifest from every archive, krew-release-bot, npm publish with provenance', () => {
    const { publish } = workflow('release.yml').jobs;
    assert.deepEqual(publish!.permissions, { contents: 'write', 'id-token': 'write' });
    const script = runs(publish!.steps);
    assert.match(script, /scripts\/krew-manifest\.ts --archives archives/);
    assert.match(script, /npm publish --provenance/);
    assert.ok(publish!.steps.some((step) => step.uses?.startsWith('rajatjindal/krew-release-bot@')));
  });

  it('ci: pull requests run the README\'s test command', () => {
    const ci = workflow('ci.yml');
    assert.ok('pull_request' in ci.on);
    assert.match(runs(ci.jobs.test!.steps), /\.ci\/run/);
    assert.match(readFileSync(join(ROOT, '.ci', 'run'), 'utf8'), /scripts\/setup && npm test/);
  });
});
