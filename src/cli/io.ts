// The CLI's only writers: results on stdout, warnings and errors on stderr (kubectl style).

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`Warning: ${message}\n`);
}
