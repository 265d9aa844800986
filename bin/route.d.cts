// Types of ./route.cjs, for src/single-executable.ts.
export interface Entries {
  token(args: string[]): Promise<number>;
  cli(args: string[]): Promise<number>;
}
export function launch(args: string[], entries: Entries): Promise<number>;
