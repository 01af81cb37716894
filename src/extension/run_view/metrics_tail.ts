/**
 * Follows a growing metrics.jsonl: each read takes only the bytes appended since the last one
 * (the byte offset is kept), holds back a last line that is still being written, and starts
 * over when the file was replaced or cut shorter (`spade train --resume` rewrites it without the
 * steps it will run again). Big files are read in chunks, yielding between them, so the
 * extension host never stalls on a long run. Node only (fs), no vscode.
 */
import * as fs from 'node:fs/promises';
import { parseMetricsLine, type TrainMetrics } from '../finetune/metrics';

export interface TailRead {
  /** The file was replaced or truncated: drop what was read before, these rows start afresh. */
  reset: boolean;
  rows: TrainMetrics[];
  /** Complete lines that were not metrics rows (skipped). */
  badLines: number;
  /** False when the file does not exist (yet). */
  exists: boolean;
}

const CHUNK = 256 * 1024;

export class MetricsTail {
  private offset = 0;
  private identity?: string;
  /** The bytes after the last newline: a line still being written. */
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    readonly file: string,
    private readonly chunkBytes = CHUNK,
  ) {}

  /** Bytes consumed so far (complete lines plus the held-back partial line). */
  get bytesRead(): number {
    return this.offset;
  }

  async read(): Promise<TailRead> {
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(this.file, 'r');
    } catch {
      const reset = this.offset > 0;
      this.restart(undefined);
      return { reset, rows: [], badLines: 0, exists: false };
    }
    try {
      const st = await fh.stat();
      // A new inode: the file was replaced (an atomic rewrite), whatever its size now.
      const identity = `${st.dev}:${st.ino}`;
      let reset = false;
      if ((this.identity !== undefined && identity !== this.identity) || st.size < this.offset) {
        reset = this.offset > 0 || this.identity !== undefined;
        this.restart(identity);
      }
      this.identity = identity;
      const rows: TrainMetrics[] = [];
      let badLines = 0;
      const buf = Buffer.alloc(Math.min(this.chunkBytes, Math.max(0, st.size - this.offset)));
      while (this.offset < st.size) {
        const want = Math.min(buf.length, st.size - this.offset);
        const { bytesRead } = await fh.read(buf, 0, want, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        const data = this.pending.length ? Buffer.concat([this.pending, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
        const end = data.lastIndexOf(0x0a);
        // Copied: `buf` is reused by the next chunk.
        this.pending = Buffer.from(end < 0 ? data : data.subarray(end + 1));
        if (end < 0) continue;
        for (const line of data.subarray(0, end).toString('utf8').split('\n')) {
          if (!line.trim()) continue;
          const m = parseMetricsLine(line);
          if (m) rows.push(m);
          else badLines++;
        }
        // Let other work in the extension host run between chunks of a long file.
        if (this.offset < st.size) await new Promise((r) => setImmediate(r));
      }
      return { reset, rows, badLines, exists: true };
    } finally {
      await fh.close();
    }
  }

  private restart(identity: string | undefined): void {
    this.offset = 0;
    this.pending = Buffer.alloc(0);
    this.identity = identity;
  }
}
