// Structured logs: one JSON object per line on stderr (core/log-line.ts renders and redacts).

import { renderLogLine, type LogLevel } from '../core/log-line.js';

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger adding `fields` to every line. */
  with(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  write?: (line: string) => void;
  now?: () => Date;
}

export function createLogger({ write = (line) => void process.stderr.write(`${line}\n`), now = () => new Date() }: LoggerOptions = {}, bound: Record<string, unknown> = {}): Logger {
  const log = (level: LogLevel) => (msg: string, fields: Record<string, unknown> = {}) => {
    write(renderLogLine(level, msg, { ...bound, ...fields }, now()));
  };
  return { info: log('info'), warn: log('warn'), error: log('error'), with: (fields) => createLogger({ write, now }, { ...bound, ...fields }) };
}
