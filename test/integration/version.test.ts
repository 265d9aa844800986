// `kubectl tempcreds version`: the package version, the commit the build was made from, Node and
// the platform — as lines, JSON or YAML; no cluster, no state needed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import yaml from 'js-yaml';
import { tempcreds } from '../helpers/tempcreds.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const tool = tempcreds('/nonexistent/kubeconfig');
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
const platform = `${process.platform === 'win32' ? 'windows' : process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`;

describe('version', () => {
  it('prints the version, the commit built from, Node and the platform', async () => {
    const result = await tool.run(['version']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, `version   ${version}\ncommit    ${commit}\nnode      ${process.version}\nplatform  ${platform}\n`);
  });

  it('-o json and -o yaml give the same fields', async () => {
    const expected = { version, commit, node: process.version, platform: platform.split('/')[0], arch: platform.split('/')[1] };
    const json = await tool.run(['version', '-o', 'json']);
    assert.equal(json.status, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), expected);
    const yamlOut = await tool.run(['version', '-o', 'yaml']);
    assert.equal(yamlOut.status, 0, yamlOut.stderr);
    assert.deepEqual(yaml.load(yamlOut.stdout), expected);
  });

  it('refuses another output format, exit 2', async () => {
    const result = await tool.run(['version', '-o', 'xml']);
    assert.equal(result.status, 2);
  });
});
