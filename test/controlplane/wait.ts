// Polling instead of sleeping: tests and startup wait exactly as long as needed.

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Names the awaited condition in the timeout error. */
  what?: string;
}

/**
 * Calls `check` until it returns something other than undefined/false/null and returns that.
 * A throwing check counts as "not yet"; its last message is part of the timeout error.
 */
export async function waitFor<T>(
  check: () => T | false | null | undefined | Promise<T | false | null | undefined>,
  { timeoutMs = 20_000, intervalMs = 250, what = 'condition' }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      const result = await check();
      if (result !== undefined && result !== false && result !== null) return result;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
