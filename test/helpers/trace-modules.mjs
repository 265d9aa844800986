// `node --import ./trace-modules.mjs …` appends the URL of every module the process loads
// (ES modules and CommonJS, through the module hooks) to the file $TRACE_MODULES_FILE:
// what a test reads to prove that a path does not load something.
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

// The hooks run in their own thread, which imports this file again: only the main thread registers.
if (isMainThread) register(import.meta.url);

export async function load(url, context, next) {
  appendFileSync(process.env.TRACE_MODULES_FILE, `${url}\n`);
  return next(url, context);
}
