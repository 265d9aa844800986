// This build's facts. Bundles get the version and commit as constants (scripts/build.ts defines
// them: the single executable has no package.json beside it, and no bundle has a .git); run from
// source, the version comes from package.json and the commit is unknown.

import { readFileSync } from 'node:fs';
import type { BuildInfo } from '../core/build-info.js';
import { goPlatform } from '../core/build-info.js';

declare const TEMPCREDS_VERSION: string | undefined;
declare const TEMPCREDS_COMMIT: string | undefined;

export function packageVersion(): string {
  if (typeof TEMPCREDS_VERSION === 'string') return TEMPCREDS_VERSION;
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export function buildInfo(): BuildInfo {
  const { os, arch } = goPlatform(process.platform, process.arch);
  return { version: packageVersion(), commit: typeof TEMPCREDS_COMMIT === 'string' ? TEMPCREDS_COMMIT : 'unknown', node: process.version, platform: os, arch };
}
