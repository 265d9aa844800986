// Output formats shared by commands: kubectl-style column tables, Vault-style key/value
// tables, JSON and YAML. Commands with a layout of their own (doctor's checks, setup's next
// steps, version) build lines and print them through io.ts. Values come from the cluster and
// from files others may write: both paths escape control characters (terminalSafe).

import { toYaml } from '../core/structured-text.js';

export type OutputFormat = 'table' | 'json' | 'yaml';

// \p{Cc}: C0 (ESC, BEL, CR, ...), DEL and C1 (0x9b is CSI on some terminals).
const CONTROL = /\p{Cc}/gu;
const CONTROL_BUT_LINES = /(?![\n\t])\p{Cc}/gu;

/**
 * `text` with its control characters written as \u escapes, so it cannot move the cursor,
 * retitle or clear the terminal; `lines` keeps newlines and tabs (whole messages, not cells).
 */
export function terminalSafe(text: string, { lines = false } = {}): string {
  return text.replace(lines ? CONTROL_BUT_LINES : CONTROL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Columns with upper-case headers, padded like kubectl get. */
export function columns(headers: string[], table: string[][]): string {
  return `${columnLines(headers, table).join('\n')}\n`;
}

/** The lines of `columns`, for a table long enough to be written a part at a time (gc of 10 000 leases). */
export function columnLines(headers: string[], table: string[][]): string[] {
  const rows = table.map((row) => row.map((cell) => terminalSafe(cell)));
  const widths = headers.map((header, index) => Math.max(header.length, ...rows.map((row) => (row[index] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, index) => (index === cells.length - 1 ? cell : cell.padEnd(widths[index]! + 3)))
      .join('')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** Vault's `Key  Value` table. */
export function keyValues(entries: [string, string][]): string {
  return columns(['Key', 'Value'], [['---', '-----'], ...entries]);
}

/** JSON and YAML escape control characters themselves, except JSON's DEL and C1: same JSON, escaped. */
export function structured(value: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? `${terminalSafe(JSON.stringify(value, null, 2), { lines: true })}\n` : toYaml(value);
}
