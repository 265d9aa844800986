// JSON or YAML text from flags and files (YAML is a superset of JSON), one document or
// several, with errors that name where the text came from.

import yaml from 'js-yaml';
import { invalidInput } from './errors.js';

export function parseStructured(text: string, where: string): unknown {
  try {
    return yaml.load(text, { schema: yaml.JSON_SCHEMA });
  } catch (error) {
    throw invalidInput(`${where} is neither valid JSON nor YAML: ${firstLine(error)}`);
  }
}

export function parseDocuments(text: string, where: string): unknown[] {
  try {
    return yaml.loadAll(text, undefined, { schema: yaml.JSON_SCHEMA }).filter((document) => document !== null && document !== undefined);
  } catch (error) {
    throw invalidInput(`${where} is not valid YAML: ${firstLine(error)}`);
  }
}

export function toYaml(value: unknown): string {
  return yaml.dump(value, { noRefs: true, lineWidth: -1, sortKeys: false });
}

function firstLine(error: unknown): string {
  return ((error as Error).message ?? String(error)).split('\n')[0]!;
}
