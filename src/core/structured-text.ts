// JSON or YAML text from flags and files (YAML is a superset of JSON), one document or
// several, with errors that name where the text came from. YAML anchors and aliases are
// refused: js-yaml expands every alias into a shared reference, so a small document
// ("billion laughs") becomes an enormous value for the validator and JSON.stringify.

import yaml from 'js-yaml';
import { invalidInput } from './errors.js';

class AnchorRefused extends Error {}

const options: yaml.LoadOptions = {
  schema: yaml.JSON_SCHEMA,
  // An alias needs an anchor defined before it: refusing the first anchor refuses every alias.
  listener(event, state) {
    if (event === 'close' && (state as { anchor?: string | null }).anchor != null) throw new AnchorRefused();
  },
};

function refused(where: string, error: unknown) {
  return error instanceof AnchorRefused ? invalidInput(`${where} uses YAML anchors or aliases (&name, *name), which are not accepted: write the values out`) : undefined;
}

export function parseStructured(text: string, where: string): unknown {
  try {
    return yaml.load(text, options);
  } catch (error) {
    throw refused(where, error) ?? invalidInput(`${where} is neither valid JSON nor YAML: ${firstLine(error)}`);
  }
}

export function parseDocuments(text: string, where: string): unknown[] {
  try {
    return yaml.loadAll(text, undefined, options).filter((document) => document !== null && document !== undefined);
  } catch (error) {
    throw refused(where, error) ?? invalidInput(`${where} is not valid YAML: ${firstLine(error)}`);
  }
}

export function toYaml(value: unknown): string {
  return yaml.dump(value, { noRefs: true, lineWidth: -1, sortKeys: false });
}

function firstLine(error: unknown): string {
  return ((error as Error).message ?? String(error)).split('\n')[0]!;
}
