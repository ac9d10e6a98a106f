/** CLI output: results on stdout, problems on stderr as one line. */
export const out = (line = '') => process.stdout.write(`${line}\n`);
export const fail = (line: string) => process.stderr.write(`facegate: ${line}\n`);

/** Exit codes: 0 ok, 1 failure, 2 bad configuration or usage. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
