/**
 * CrossReplica over shared memory, for replicas on threads of one process (worker_threads): each
 * replica writes its values into its own slot, waits at a barrier, adds every slot in rank order
 * (so all replicas get the same float32 result) and waits again before a slot may be reused.
 * A replica that fails calls abort(): the others stop at their next barrier instead of waiting.
 *
 * Buffer layout: Int32 control words [generation, arrived, aborted, pad, length of each rank...],
 * then `size` slots of `capacity` float32 values.
 */
import type { CrossReplica } from '../nn/sync_moments';

const GENERATION = 0;
const ARRIVED = 1;
const ABORTED = 2;
const LENGTHS = 4;

export class ReplicaAbortedError extends Error {}

export class SharedSum implements CrossReplica {
  private readonly control: Int32Array;
  private readonly slots: Float32Array[];

  /** Memory for `size` replicas exchanging at most `capacity` values at a time. */
  static allocate(size: number, capacity: number): SharedArrayBuffer {
    return new SharedArrayBuffer(4 * (LENGTHS + size) + 4 * size * capacity);
  }

  constructor(
    buffer: SharedArrayBuffer,
    readonly rank: number,
    readonly size: number,
    /** How long a barrier waits for the slowest replica before giving up. */
    private readonly timeoutMs = 600_000,
  ) {
    if (!Number.isInteger(size) || size < 1 || !Number.isInteger(rank) || rank < 0 || rank >= size)
      throw new Error(`internal: replica ${rank} of ${size}`);
    const header = 4 * (LENGTHS + size);
    const capacity = (buffer.byteLength - header) / (4 * size);
    if (!Number.isInteger(capacity) || capacity < 0) throw new Error(`internal: a ${buffer.byteLength}-byte buffer does not fit ${size} replicas`);
    this.control = new Int32Array(buffer, 0, LENGTHS + size);
    this.slots = Array.from({ length: size }, (_, r) => new Float32Array(buffer, header + 4 * r * capacity, capacity));
  }

  get capacity(): number {
    return this.slots[0].length;
  }

  sum(values: Float32Array): Float32Array {
    if (values.length > this.capacity) throw new Error(`internal: ${values.length} values to sum, room for ${this.capacity}`);
    this.slots[this.rank].set(values);
    Atomics.store(this.control, LENGTHS + this.rank, values.length);
    this.barrier();
    for (let r = 0; r < this.size; r++) {
      const n = Atomics.load(this.control, LENGTHS + r);
      if (n !== values.length) {
        this.abort();
        throw new Error(`internal: replica ${this.rank} sums ${values.length} values but replica ${r} sums ${n}`);
      }
    }
    const out = this.slots[0].slice(0, values.length);
    for (let r = 1; r < this.size; r++) {
      const slot = this.slots[r];
      for (let i = 0; i < out.length; i++) out[i] += slot[i];
    }
    this.barrier();
    return out;
  }

  /** Makes every replica's current or next barrier throw ReplicaAbortedError. */
  abort(): void {
    Atomics.store(this.control, ABORTED, 1);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
  }

  get aborted(): boolean {
    return Atomics.load(this.control, ABORTED) !== 0;
  }

  private barrier(): void {
    const c = this.control;
    if (this.aborted) throw new ReplicaAbortedError('another training worker failed');
    const generation = Atomics.load(c, GENERATION);
    if (Atomics.add(c, ARRIVED, 1) === this.size - 1) {
      Atomics.store(c, ARRIVED, 0);
      Atomics.add(c, GENERATION, 1);
      Atomics.notify(c, GENERATION);
    } else {
      while (Atomics.load(c, GENERATION) === generation) {
        if (Atomics.wait(c, GENERATION, generation, this.timeoutMs) === 'timed-out') {
          this.abort();
          throw new ReplicaAbortedError(`no word from the other training workers in ${this.timeoutMs / 1000} s`);
        }
      }
    }
    if (this.aborted) throw new ReplicaAbortedError('another training worker failed');
  }
}
