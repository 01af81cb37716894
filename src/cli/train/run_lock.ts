/**
 * One run per folder: `spade train` holds `run.lock` in its output folder while it writes there.
 * The file names the holder (pid, host, start time). A second run into the folder is refused
 * while the holder lives; a lock whose process is gone (a crash, a kill -9) is taken over.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SpadeInputError } from '../../model/errors';

export const LOCK_FILE = 'run.lock';

interface Holder {
  pid: number;
  host: string;
  started: string;
}

export class RunLock {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(readonly file: string) {
    // A second Ctrl-C ends the process with process.exit: the lock goes with it.
    process.on('exit', this.onExit);
  }

  /** Takes the folder's lock, or throws a SpadeInputError naming the live holder. */
  static acquire(dir: string): RunLock {
    const file = path.join(dir, LOCK_FILE);
    const me: Holder = { pid: process.pid, host: os.hostname(), started: new Date().toISOString() };
    const text = JSON.stringify(me) + '\n';
    // Two tries: the second after removing a stale lock.
    for (let attempt = 0; attempt < 2; attempt++) {
      if (linkNew(file, text)) return new RunLock(file);
      const holder = readHolder(file);
      if (holder && holderAlive(holder)) {
        const where = holder.host === me.host ? '' : ` on ${holder.host}`;
        throw new SpadeInputError(
          `a training run (pid ${holder.pid}${where}) is writing to this folder; wait for it to end, stop it, or choose another --out`,
          dir,
        );
      }
      // Stale (its process is gone) or unreadable (not ours to read as a lock): take it over.
      fs.rmSync(file, { force: true });
    }
    throw new SpadeInputError(`another run took ${LOCK_FILE} at the same moment; try again`, dir);
  }

  /** Removes the lock if it is still ours. */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    const h = readHolder(this.file);
    if (h && h.pid === process.pid && h.host === os.hostname()) fs.rmSync(this.file, { force: true });
  }
}

/**
 * Writes `text` to a temp file and hard-links it to `file`: the link fails if `file` exists (of
 * two runs starting at once, one wins), and a reader never sees a half-written lock.
 */
function linkNew(file: string, text: string): boolean {
  const tmp = path.join(path.dirname(file), `.${LOCK_FILE}.${process.pid}.${Date.now()}.tmp`);
  fs.writeFileSync(tmp, text);
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return false;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function readHolder(file: string): Holder | null {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Holder>;
    if (!Number.isSafeInteger(v.pid) || (v.pid as number) <= 0 || typeof v.host !== 'string') return null;
    return { pid: v.pid as number, host: v.host, started: typeof v.started === 'string' ? v.started : '' };
  } catch {
    return null;
  }
}

/** A holder on another machine (a shared folder) cannot be checked, so it counts as alive. */
export function holderAlive(h: { pid: number; host: string }): boolean {
  if (h.host !== os.hostname()) return true;
  try {
    process.kill(h.pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
