/** File access for the CLI: errors that name the file, and atomic writes. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SpadeInputError } from '../model/errors';

/** `check(size)`, when given, sees the file's size before anything is read (and may throw). */
export function readInput(file: string, what: string, check?: (size: number) => void): Uint8Array {
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) throw new SpadeInputError(`${what} is a directory, not a file`, file);
    // A FIFO or a device would block the read forever (or never end): refuse before opening.
    if (!st.isFile()) throw new SpadeInputError(`${what} is not a regular file (a pipe, socket or device)`, file);
    check?.(st.size);
    return new Uint8Array(fs.readFileSync(file));
  } catch (e) {
    if (e instanceof SpadeInputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SpadeInputError(`${what} not found`, file);
    if (code === 'EACCES') throw new SpadeInputError(`${what} is not readable (permission denied)`, file);
    throw new SpadeInputError(`cannot read ${what}: ${(e as Error).message}`, file);
  }
}

/** Hex SHA-256 of bytes: names one file's contents (a kept training state names its weights so). */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function readText(file: string, what: string, check?: (size: number) => void): string {
  const bytes = readInput(file, what, check);
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
      // One write(2) may write less than asked (a full disk, a file-size limit) without an
      // error; only the next call fails. Loop, or a short file would be renamed into place.
      for (let done = 0; done < data.length; ) done += fs.writeSync(fd, data, done, data.length - done);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw writeError(e, file, 'nothing was written; an earlier version of the file is untouched');
  }
}

/** A SpadeInputError for the write failures a user can fix (space, limits, permissions); others as they are. */
export function writeError(e: unknown, file: string, consequence: string): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new SpadeInputError(`disk full (${code}): ${consequence}`, file);
  if (code === 'EFBIG') return new SpadeInputError(`file too large for this system or its file-size limit (EFBIG): ${consequence}`, file);
  if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') return new SpadeInputError(`cannot write here (${code}: permission denied or read-only): ${consequence}`, file);
  return e;
}
