// Typed errors carrying their exit code: 2 = bad usage or invalid input (nothing was
// done), 1 = failure while doing the work. The entry points are the only places that
// turn them into an exit status.

export type ExitCode = 0 | 1 | 2;

export class TempcredsError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TempcredsError';
  }
}

/** Invalid input or usage: exit code 2. The message says what is wrong and what to do. */
export function invalidInput(message: string): TempcredsError {
  return new TempcredsError(message, 2);
}

/** A failure while doing the work: exit code 1. */
export function operationFailed(message: string, cause?: unknown): TempcredsError {
  return new TempcredsError(message, 1, cause === undefined ? undefined : { cause });
}

/** Several validation problems reported at once, still one line each. */
export function invalidInputs(subject: string, problems: string[]): TempcredsError {
  return invalidInput(problems.length === 1 ? `${subject}: ${problems[0]}` : `${subject}:\n  - ${problems.join('\n  - ')}`);
}

/** Not a failure: a command (run) ending with its child's exit status, passed on as ours. */
export class CommandExit {
  constructor(readonly code: number) {}
}

export function exitCodeOf(error: unknown): 1 | 2 {
  return error instanceof TempcredsError ? error.exitCode : 1;
}

/**
 * A Kubernetes API failure; `status` is the HTTP status (undefined when the server never answered),
 * `details` the object its Status names (`kind` is the resource, e.g. "secrets"), when it names one.
 */
export class ApiError extends TempcredsError {
  readonly details: { kind?: string; name?: string };

  constructor(
    message: string,
    readonly status: number | undefined,
    options?: { cause?: unknown; details?: { kind?: string; name?: string } },
  ) {
    super(message, 1, options);
    this.name = 'ApiError';
    this.details = options?.details ?? {};
  }
}
