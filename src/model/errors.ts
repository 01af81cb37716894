/**
 * Errors caused by bad input (a file, a flag, a message) rather than by a bug.
 * The CLI maps these to exit code 2 and prints only `message`; anything else is exit 1.
 * Messages name the file (when there is one) and the problem, in one line.
 */
export class SpadeInputError extends Error {
  constructor(message: string, readonly file?: string) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'SpadeInputError';
  }
}

/** Throws a SpadeInputError unless `cond` holds. */
export function check(cond: unknown, message: string, file?: string): asserts cond {
  if (!cond) throw new SpadeInputError(message, file);
}
