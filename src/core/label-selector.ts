// Namespace label selectors: kubectl's string form ("env=dev,tier!=db,zone in (a,b),!legacy")
// and the structured LabelSelector of the API, validated strictly (an empty selector,
// which would match every namespace, is refused), and matched against labels.

import { checkLabelValue, checkQualifiedName } from './kube-names.js';
import { isRecord } from './raw.js';

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

const operators: readonly SelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** Splits on commas that are not inside parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else current += char;
  }
  terms.push(current.trim());
  return terms;
}

/** Parses kubectl's selector syntax; throws a message naming the bad term. */
export function parseSelectorString(text: string): LabelSelector {
  const matchLabels: Record<string, string> = {};
  const matchExpressions: LabelSelectorRequirement[] = [];
  for (const term of splitTerms(text)) {
    let match: RegExpMatchArray | null;
    if (term === '') throw new Error(`empty term in selector "${text}"`);
    if ((match = term.match(/^(\S+?)\s*(==|=|!=)\s*(\S*)$/))) {
      const [, key, op, value] = match as unknown as [string, string, string, string];
      if (op === '!=') matchExpressions.push({ key, operator: 'NotIn', values: [value] });
      // A repeated key is ANDed, as kubectl does: env=a,env=b matches nothing.
      else if (Object.hasOwn(matchLabels, key)) matchExpressions.push({ key, operator: 'In', values: [value] });
      else matchLabels[key] = value;
    } else if ((match = term.match(/^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      const [, key, op, list] = match as unknown as [string, string, string, string];
      const values = list.split(',').map((value) => value.trim()).filter((value) => value !== '');
      matchExpressions.push({ key, operator: op === 'in' ? 'In' : 'NotIn', values });
    } else if ((match = term.match(/^!\s*(\S+)$/))) {
      matchExpressions.push({ key: match[1]!, operator: 'DoesNotExist' });
    } else if (/^[^\s=!(),]+$/.test(term)) {
      matchExpressions.push({ key: term, operator: 'Exists' });
    } else {
      throw new Error(`cannot parse selector term "${term}" (expected key=value, key!=value, key in (a,b), key notin (a,b), key or !key)`);
    }
  }
  const selector: LabelSelector = {};
  if (Object.keys(matchLabels).length > 0) selector.matchLabels = matchLabels;
  if (matchExpressions.length > 0) selector.matchExpressions = matchExpressions;
  return selector;
}

/** Strict structural validation of a LabelSelector object: problems, one line each. */
export function selectorProblems(value: unknown): string[] {
  if (!isRecord(value)) return ['must be an object with matchLabels and/or matchExpressions'];
  const problems: string[] = [];
  for (const key of Object.keys(value)) {
    if (key !== 'matchLabels' && key !== 'matchExpressions') problems.push(`unknown key "${key}" (allowed: matchLabels, matchExpressions)`);
  }
  const { matchLabels, matchExpressions } = value;
  let terms = 0;
  if (matchLabels !== undefined) {
    if (!isRecord(matchLabels)) problems.push('matchLabels must be a map of label keys to values');
    else
      for (const [key, labelValue] of Object.entries(matchLabels)) {
        terms++;
        const keyProblem = checkQualifiedName(key);
        if (keyProblem) problems.push(`matchLabels key "${key}" ${keyProblem}`);
        if (typeof labelValue !== 'string') problems.push(`matchLabels "${key}" must be a string`);
        else {
          const valueProblem = checkLabelValue(labelValue);
          if (valueProblem) problems.push(`matchLabels "${key}" value ${valueProblem}`);
        }
      }
  }
  if (matchExpressions !== undefined) {
    if (!Array.isArray(matchExpressions)) problems.push('matchExpressions must be a list');
    else
      matchExpressions.forEach((expression: unknown, index) => {
        terms++;
        problems.push(...requirementProblems(expression).map((problem) => `matchExpressions[${index}] ${problem}`));
      });
  }
  if (problems.length === 0 && terms === 0) problems.push('is empty and would match every namespace; give at least one label requirement');
  return problems;
}

function requirementProblems(expression: unknown): string[] {
  if (!isRecord(expression)) return ['must be an object with key, operator and values'];
  const problems: string[] = [];
  for (const key of Object.keys(expression)) {
    if (!['key', 'operator', 'values'].includes(key)) problems.push(`unknown key "${key}" (allowed: key, operator, values)`);
  }
  const { key, operator, values } = expression;
  if (typeof key !== 'string') problems.push('key must be a string');
  else {
    const keyProblem = checkQualifiedName(key);
    if (keyProblem) problems.push(`key "${key}" ${keyProblem}`);
  }
  if (!operators.includes(operator as SelectorOperator)) {
    problems.push(`operator must be one of ${operators.join(', ')}`);
    return problems;
  }
  const needsValues = operator === 'In' || operator === 'NotIn';
  if (values !== undefined && (!Array.isArray(values) || values.some((item) => typeof item !== 'string'))) {
    problems.push('values must be a list of strings');
  } else if (needsValues && (values === undefined || values.length === 0)) {
    problems.push(`operator ${operator} needs at least one value`);
  } else if (!needsValues && values !== undefined && values.length > 0) {
    problems.push(`operator ${operator} takes no values`);
  } else {
    for (const item of (values ?? []) as string[]) {
      const valueProblem = checkLabelValue(item);
      if (valueProblem) problems.push(`value "${item}" ${valueProblem}`);
    }
  }
  return problems;
}

export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    const present = Object.hasOwn(labels, key);
    switch (operator) {
      case 'In':
        return present && values.includes(labels[key]!);
      case 'NotIn':
        return !present || !values.includes(labels[key]!);
      case 'Exists':
        return present;
      case 'DoesNotExist':
        return !present;
    }
  });
}

/** kubectl's string form, for display and for `labelSelector=` query parameters. */
export function formatSelector(selector: LabelSelector): string {
  const terms = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    if (operator === 'Exists') terms.push(key);
    else if (operator === 'DoesNotExist') terms.push(`!${key}`);
    else terms.push(`${key} ${operator === 'In' ? 'in' : 'notin'} (${values.join(',')})`);
  }
  return terms.join(',');
}
