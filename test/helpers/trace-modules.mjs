// `node --import ./trace-modules.mjs …` appends the URL of every module the process loads to the
// file $TRACE_MODULES_FILE: ES modules through the module hooks, CommonJS files as require()
// loads them (Node 20's hooks do not see a require() from CommonJS). What a test reads to prove
// that a path does not load something.
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';

const record = (url) => appendFileSync(process.env.TRACE_MODULES_FILE, `${url}\n`);

// The hooks run in their own thread, which imports this file again: only the main thread registers.
if (isMainThread) {
  register(import.meta.url);
  const load = Module.prototype.load;
  Module.prototype.load = function (filename) {
    record(pathToFileURL(filename).href);
    return load.call(this, filename);
  };
}

export async function load(url, context, next) {
  record(url);
  return next(url, context);
}
