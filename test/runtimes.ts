// Which Node runs the test runner (and the tool under test): the Node running npm (`this`), the
// release's Node LTS from the registry (`lts`), or both, one after the other.

export const NODE_CHOICES = ['this', 'lts', 'both'] as const;
export type TestRuntime = 'this' | 'lts';

/** `--node=…` if given, else both for the whole suite (what CI runs) and this Node for a selection. */
export function testRuntimes(choice: string | undefined, selected: boolean): TestRuntime[] | undefined {
  const wanted = choice ?? (selected ? 'this' : 'both');
  if (!(NODE_CHOICES as readonly string[]).includes(wanted)) return undefined;
  return wanted === 'both' ? ['this', 'lts'] : [wanted as TestRuntime];
}
