// Injected into the CommonJS vendor bundles of dist/ (scripts/build.ts): import.meta.url there.
import { pathToFileURL } from 'node:url';

export const importMetaUrl = pathToFileURL(__filename).href;
