// A second node:test reporter beside spec: one line per failed test, written to a file that
// test/run.ts prints again after the last Node's run. CI shows the end of the output, where spec's
// own list of failures for the first Node is long gone. Plain JavaScript: the runner loads
// reporters before `--import tsx` can compile TypeScript.
import path from 'node:path';

/** @param {string} text */
const firstLine = (text) => text.split('\n').find((line) => line.trim() !== '')?.trim() ?? '';

/**
 * Why it failed, in one line: the assertion's message when the runner wraps it (cause), else its own.
 * @param {{ message?: string, cause?: unknown } | undefined} error
 */
function reason(error) {
  const cause = error?.cause;
  const message = cause instanceof Error ? cause.message : typeof cause === 'string' ? cause : error?.message;
  return firstLine(message ?? 'failed').slice(0, 300);
}

/** @param {AsyncIterable<{ type: string, data: { name: string, file?: string, details?: { type?: string, error?: { message?: string, cause?: unknown } } } }>} source */
export default async function* failureReporter(source) {
  for await (const event of source) {
    // A suite fails with its tests; the tests say where.
    if (event.type !== 'test:fail' || event.data.details?.type === 'suite') continue;
    const file = event.data.file ? path.relative(process.cwd(), event.data.file) : '?';
    yield `${file} › ${event.data.name}: ${reason(event.data.details?.error)}\n`;
  }
}
