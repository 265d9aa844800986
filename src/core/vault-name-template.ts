// Vault's name_template (a Go text/template over .RoleName and .DisplayName with Vault's
// helper functions) translated to this tool's placeholders, or refused naming the construct
// that has no equivalent. Only the subset Vault's templates use is understood: literal text,
// actions holding pipelines of fields, string/number literals and function calls.

import { MAX_NAME_LENGTH } from './naming.js';

export interface TranslatedTemplate {
  template?: string;
  problems: string[];
  warnings: string[];
}

type Part = string | { placeholder: 'role' | 'lease' | 'unix' };
type Value = { text: Part[] } | { number: number };

class Refused extends Error {}

const KEYWORDS = ['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue', 'nil'];

export function translateVaultNameTemplate(source: string): TranslatedTemplate {
  const warnings: string[] = [];
  try {
    const parts: Part[] = [];
    let rest = source;
    while (rest !== '') {
      const open = rest.indexOf('{{');
      if (open < 0) {
        parts.push(rest);
        break;
      }
      parts.push(rest.slice(0, open));
      const close = rest.indexOf('}}', open);
      if (close < 0) throw new Refused('has an unclosed {{');
      const action = rest.slice(open + 2, close).replace(/^-\s/, '').replace(/\s-$/, '').trim();
      if (action.startsWith('/*')) throw new Refused('has a comment action {{/* */}}, which has no equivalent');
      parts.push(...asText(evaluate(tokenize(action), warnings), 'the template'));
      rest = rest.slice(close + 2);
    }
    const template = parts.map((part) => (typeof part === 'string' ? part : `{{${part.placeholder}}}`)).join('');
    if (!parts.some((part) => typeof part !== 'string' && part.placeholder === 'lease')) {
      return { problems: ['has no random part ((random N) or uuid): every issuance needs a unique name; add one'], warnings };
    }
    return { template, problems: [], warnings: [...new Set(warnings)] };
  } catch (error) {
    if (error instanceof Refused) return { problems: [error.message], warnings };
    throw error;
  }
}

type Token = { kind: '(' | ')' | '|' } | { kind: 'string'; value: string } | { kind: 'number'; value: number } | { kind: 'word'; value: string };

function tokenize(action: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\(|\)|\|)|"((?:[^"\\]|\\.)*)"|`([^`]*)`|(-?\d+)|([^\s()|"`]+))/gy;
  let match: RegExpExecArray | null;
  while (pattern.lastIndex < action.length && (match = pattern.exec(action)) !== null) {
    const [, punct, quoted, raw, number, word] = match;
    if (punct) tokens.push({ kind: punct as '(' | ')' | '|' });
    else if (quoted !== undefined) tokens.push({ kind: 'string', value: JSON.parse(`"${quoted}"`) as string });
    else if (raw !== undefined) tokens.push({ kind: 'string', value: raw });
    else if (number !== undefined) tokens.push({ kind: 'number', value: Number(number) });
    else if (word !== undefined) tokens.push({ kind: 'word', value: word });
    else break;
  }
  if (action.slice(pattern.lastIndex).trim() !== '') throw new Refused(`has an action Vault's subset cannot be read from: {{${action}}}`);
  return tokens;
}

/** A pipeline: commands separated by |, each given the previous result as its last argument. */
function evaluate(tokens: Token[], warnings: string[]): Value {
  let position = 0;
  const pipeline = (): Value => {
    let piped: Value | undefined;
    for (;;) {
      const operands: (Value | string)[] = [];
      while (position < tokens.length && tokens[position]!.kind !== '|' && tokens[position]!.kind !== ')') {
        const token = tokens[position++]!;
        if (token.kind === '(') {
          operands.push(pipeline());
          if (tokens[position++]?.kind !== ')') throw new Refused('has an unbalanced (');
        } else if (token.kind === 'string') operands.push({ text: [token.value] });
        else if (token.kind === 'number') operands.push({ number: token.value });
        else if (token.kind === 'word') operands.push(token.value);
        else throw new Refused('has an unbalanced )');
      }
      if (operands.length === 0) throw new Refused('has an empty pipeline');
      piped = call(operands, piped, warnings);
      if (tokens[position]?.kind !== '|') return piped;
      position++;
    }
  };
  const value = pipeline();
  if (position !== tokens.length) throw new Refused('has an unbalanced )');
  return value;
}

function call(operands: (Value | string)[], piped: Value | undefined, warnings: string[]): Value {
  const [head, ...rest] = operands;
  if (typeof head !== 'string') {
    if (rest.length > 0 || piped) throw new Refused('calls a value that is not a function');
    return head!;
  }
  if (head === '.DisplayName') throw new Refused('uses .DisplayName (the Vault token\'s display name), which has no equivalent here: there is no Vault token; use literal text instead');
  if (head !== '.RoleName' && (head.startsWith('.') || head.startsWith('$'))) throw new Refused(`uses ${head}, which has no equivalent (only .RoleName maps, to {{role}})`);
  if (KEYWORDS.includes(head)) throw new Refused(`uses the Go template action "${head}", which has no equivalent`);
  const args = [...rest, ...(piped ? [piped] : [])].map((arg) => (typeof arg === 'string' ? call([arg], undefined, warnings) : arg));
  if (head === '.RoleName') return noArgs(head, args, { text: [{ placeholder: 'role' }] });
  switch (head) {
    case 'random':
      if (args.length !== 1 || !('number' in args[0]!)) throw new Refused('calls random without a length (random N)');
      return { text: [{ placeholder: 'lease' }] };
    case 'uuid':
      return noArgs(head, args, { text: [{ placeholder: 'lease' }] });
    case 'unix_time':
      return noArgs(head, args, { text: [{ placeholder: 'unix' }] });
    case 'lowercase':
      // Generated names are always lower-case here.
      return oneText(head, args);
    case 'truncate': {
      if (args.length !== 2 || !('number' in args[0]!)) throw new Refused('calls truncate without a length and a value (truncate N VALUE)');
      const limit = args[0].number;
      if (limit < MAX_NAME_LENGTH) {
        warnings.push(`truncate ${limit} is dropped: names here are cut at ${MAX_NAME_LENGTH} characters, keeping the unique part, so some may be longer than in Vault`);
      }
      return { text: asText(args[1]!, 'truncate') };
    }
    case 'printf':
      return printf(args);
    default:
      throw new Refused(`uses the function "${head}", which has no equivalent (known: .RoleName, random, uuid, unix_time, truncate, lowercase, printf)`);
  }
}

function noArgs(name: string, args: Value[], value: Value): Value {
  if (args.length > 0) throw new Refused(`gives ${name} arguments it does not take`);
  return value;
}

function oneText(name: string, args: Value[]): Value {
  if (args.length !== 1) throw new Refused(`calls ${name} with ${args.length} arguments (it takes one)`);
  return { text: asText(args[0]!, name) };
}

function asText(value: Value, where: string): Part[] {
  if ('number' in value) throw new Refused(`gives ${where} the number ${value.number} where text belongs`);
  return value.text;
}

function printf(args: Value[]): Value {
  const [format, ...values] = args;
  if (!format || 'number' in format || format.text.some((part) => typeof part !== 'string')) throw new Refused('calls printf without a literal format string');
  const text: Part[] = [];
  let next = 0;
  const pieces = (format.text as string[]).join('').split(/(%.)/);
  for (const piece of pieces) {
    if (piece === '%%') text.push('%');
    else if (piece === '%s' || piece === '%v') {
      const value = values[next++];
      if (!value) throw new Refused('calls printf with fewer values than verbs');
      text.push(...('number' in value ? [String(value.number)] : value.text));
    } else if (/^%.$/.test(piece)) throw new Refused(`calls printf with the verb ${piece}, which has no equivalent (only %s and %v)`);
    else text.push(piece);
  }
  if (next !== values.length) throw new Refused('calls printf with more values than verbs');
  return { text };
}
