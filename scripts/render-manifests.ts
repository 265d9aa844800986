// Writes the repo's deploy/ YAML files from src/core/manifests/ (the objects `setup` applies),
// or with --check only says which differ (exit 1). A unit test runs the same comparison.
//
//   tsx scripts/render-manifests.ts [--check]

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deployFiles, renderManifests } from '../src/core/manifests/deploy.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Each deploy file's path and its rendered text. */
export function renderedFiles(): { path: string; text: string }[] {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  return deployFiles(version).map((file) => ({ path: file.path, text: 'text' in file ? file.text : renderManifests(file.manifests, file.header) }));
}

/** The deploy files whose content is not what the manifests render. */
export function staleFiles(root = ROOT): string[] {
  return renderedFiles()
    .filter(({ path, text }) => {
      try {
        return readFileSync(join(root, path), 'utf8') !== text;
      } catch {
        return true;
      }
    })
    .map(({ path }) => path);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const stale = staleFiles();
    if (stale.length > 0) {
      process.stderr.write(`render-manifests: out of date: ${stale.join(', ')}; run: npx tsx scripts/render-manifests.ts\n`);
      process.exitCode = 1;
    }
  } else {
    for (const { path, text } of renderedFiles()) {
      mkdirSync(dirname(join(ROOT, path)), { recursive: true });
      writeFileSync(join(ROOT, path), text);
      process.stdout.write(`${path}\n`);
    }
  }
}
