// Printing: kubectl-style column tables, Vault-style key/value tables, JSON and YAML.
// Commands hand rows to these; nothing else in the CLI formats output.

import { toYaml } from '../core/structured-text.js';

export type OutputFormat = 'table' | 'json' | 'yaml';

/** Columns with upper-case headers, padded like kubectl get. */
export function columns(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, index) => Math.max(header.length, ...rows.map((row) => (row[index] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, index) => (index === cells.length - 1 ? cell : cell.padEnd(widths[index]! + 3)))
      .join('')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}

/** Vault's `Key  Value` table. */
export function keyValues(entries: [string, string][]): string {
  return columns(['Key', 'Value'], [['---', '-----'], ...entries]);
}

export function structured(value: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : toYaml(value);
}
