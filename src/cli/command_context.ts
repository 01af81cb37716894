/** What main hands each command: its parsed flags, the TF.js backend in use, and a logger. */
export interface CommandContext {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  backend: string;
  required(name: string): string;
  positional(i: number, what: string): string;
  log(msg: string): void;
}
