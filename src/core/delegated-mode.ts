// Whether a command issues locally (the issuer identity on this machine) or asks the controller
// (#15), and how long it waits for the answer. Apart from the rest of delegated issuance: every
// command reads it, also local `issue`, which loads nothing of requests or sealed tokens.

import { parseDuration } from './duration.js';
import { invalidInput } from './errors.js';

/** The environment variable that selects delegated mode, like --delegated (1/true or 0/false). */
export const DELEGATED_ENV = 'KUBECTL_TEMPCREDS_DELEGATED';
/** How long a client waits for the controller's answer by default (--wait-timeout). */
export const DEFAULT_WAIT = '60s';

/** Delegated mode: --delegated (or --delegated=false) wins, else KUBECTL_TEMPCREDS_DELEGATED, else local issuance. */
export function delegatedMode(flag: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  if (flag !== undefined) return flag;
  const value = env[DELEGATED_ENV]?.trim().toLowerCase();
  if (value === undefined || value === '' || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
  throw invalidInput(`${DELEGATED_ENV}="${env[DELEGATED_ENV]}" is neither 1/true nor 0/false`);
}

/** --wait-timeout: how long to wait for the controller, in milliseconds (1s to 1h). */
export function parseWaitTimeout(text: string = DEFAULT_WAIT): number {
  const seconds = parseDuration(text);
  if (seconds === undefined || seconds < 1 || seconds > 3600) throw invalidInput(`--wait-timeout "${text}" must be a duration from 1s to 1h (e.g. 60s, 2m)`);
  return seconds * 1000;
}
