/** File access for the CLI: errors that name the file, and atomic writes. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SpadeInputError } from '../model/errors';

export function readInput(file: string, what: string): Uint8Array {
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) throw new SpadeInputError(`${what} is a directory, not a file`, file);
    return new Uint8Array(fs.readFileSync(file));
  } catch (e) {
    if (e instanceof SpadeInputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SpadeInputError(`${what} not found`, file);
    if (code === 'EACCES') throw new SpadeInputError(`${what} is not readable (permission denied)`, file);
    throw new SpadeInputError(`cannot read ${what}: ${(e as Error).message}`, file);
  }
}

export function readText(file: string, what: string): string {
  const bytes = readInput(file, what);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SpadeInputError(`${what} is not UTF-8 text`, file);
  }
}

/**
 * Writes through a temp file in the same folder and renames it into place, so a crash or
 * a full disk never leaves a half-written file under the real name.
 */
export function writeFileAtomic(file: string, data: Uint8Array): void {
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir)) throw new SpadeInputError('output folder does not exist', dir);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'w', 0o644);
    try {
      fs.writeSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC') throw new SpadeInputError('disk full: nothing was written', file);
    if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') throw new SpadeInputError('cannot write here (permission denied or read-only)', file);
    throw e;
  }
}
