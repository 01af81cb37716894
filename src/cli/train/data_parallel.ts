/**
 * `spade train --workers N`: data parallel on the CPU cores. This thread is replica 0 and trains
 * on the first rows of every batch; N − 1 worker threads (this same script, started with
 * workerData) hold copies of the model and optimizer state made from this thread's and train on
 * the other rows. The replicas meet in shared memory (SharedSum) for the batch statistics and
 * the gradient sums, so every step is the update of one trainer on the whole batch
 * (src/model/train/trainer.ts), and every replica ends each step with the same weights: this
 * thread's copy is the one that is saved and sampled.
 */
import { Worker } from 'node:worker_threads';
import { SpadeModel } from '../../model/model';
import { readCheckpoint, writeCheckpoint } from '../../model/checkpoint/spade_checkpoint';
import { SharedSum } from '../../model/train/shared_sum';
import { SpadeTrainer, type QueuedStep, type ReplicaPart, type TrainBatch } from '../../model/train/trainer';
import type { TrainOptions } from '../../model/train/options';
import { selectBackend } from '../backend';

export const REPLICA_WORKER = 'spade-train-replica';

/** What a worker thread is started with (its workerData). */
export interface ReplicaInit {
  kind: typeof REPLICA_WORKER;
  rank: number;
  size: number;
  total: number;
  shared: SharedArrayBuffer;
  /** The model, D, E and the optimizer state, as a float32 training checkpoint. */
  state: Uint8Array;
  backend: string;
  options: TrainOptions;
  seed: number;
}

type ToWorker = { type: 'step'; batch: TrainBatch } | { type: 'snapshot' } | { type: 'stop' };
type FromWorker = { type: 'ready' } | { type: 'snapshot'; bytes: Uint8Array } | { type: 'error'; message: string };

/** Rows [start, end) of replica `rank` when `total` rows are split `size` ways. */
export function rowsOf(rank: number, size: number, total: number): { start: number; end: number } {
  return { start: Math.floor((rank * total) / size), end: Math.floor(((rank + 1) * total) / size) };
}

/** Rows [start, end) of a batch. */
export function sliceBatch(b: TrainBatch, start: number, end: number): TrainBatch {
  const { h, w } = b.labels;
  const px = h * w;
  return {
    labels: {
      ids: b.labels.ids.slice(start * px, end * px),
      instances: b.labels.instances?.slice(start * px, end * px),
      n: end - start,
      h,
      w,
    },
    images: b.images.slice(start * px * 3, end * px * 3),
  };
}

/** The memory and the row split of a data-parallel run, before the trainers are built. */
export class DataParallel {
  readonly shared: SharedArrayBuffer;
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<Worker, (m: FromWorker) => void>();
  private failure?: string;

  /** `capacity`: the largest exchange, the trainable values of the largest network. */
  constructor(
    readonly size: number,
    readonly total: number,
    capacity: number,
  ) {
    if (!Number.isInteger(size) || size < 2 || size > total)
      throw new Error(`internal: ${size} replicas for a batch of ${total}`);
    this.shared = SharedSum.allocate(size, capacity);
  }

  /** Replica `rank`'s hook for SpadeTrainer. */
  part(rank: number): ReplicaPart {
    const cross = new SharedSum(this.shared, rank, this.size);
    return { cross, offset: rowsOf(rank, this.size, this.total).start, total: this.total };
  }

  /**
   * Starts the worker threads from this thread's model and trainer (whose replica hook is
   * part(0)); resolves when every one has loaded its copy. `script` is the CLI's entry file
   * (or, with `eval`, code that loads it: the tests load the sources through tsx).
   */
  async start(
    model: SpadeModel,
    trainer: SpadeTrainer,
    opts: { script: string; backend: string; seed: number; eval?: boolean },
  ): Promise<void> {
    const ck = await model.toCheckpoint({ note: 'data-parallel replica' });
    ck.extra = await trainer.stateToHost();
    const state = writeCheckpoint(ck);
    for (let rank = 1; rank < this.size; rank++) {
      const init: ReplicaInit = {
        kind: REPLICA_WORKER, rank, size: this.size, total: this.total, shared: this.shared, state,
        backend: opts.backend, options: trainer.options, seed: opts.seed,
      };
      const worker = new Worker(opts.script, { workerData: init, eval: opts.eval === true });
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'error') this.failure ??= `training worker ${rank}: ${m.message}`;
        const resolve = this.pending.get(worker);
        this.pending.delete(worker);
        resolve?.(m);
      });
      worker.on('error', (e) => {
        this.failure ??= `training worker ${rank}: ${e.message}`;
        this.abort();
        this.pending.get(worker)?.({ type: 'error', message: e.message });
      });
      this.workers.push(worker);
    }
    const replies = await Promise.all(this.workers.map((w) => this.reply(w)));
    const bad = replies.find((r) => r.type !== 'ready');
    if (bad) throw new Error(this.failure ?? 'a training worker did not start');
  }

  private reply(worker: Worker): Promise<FromWorker> {
    return new Promise((resolve) => this.pending.set(worker, resolve));
  }

  /**
   * One step: the workers get their rows, this thread trains on its own (blocking in the
   * exchanges until the workers reach them). The losses are the whole batch's.
   */
  queueStep(trainer: SpadeTrainer, batch: TrainBatch, source: string): QueuedStep {
    if (batch.labels.n !== this.total)
      throw new Error(`internal: a batch of ${batch.labels.n} rows for replicas of ${this.total}`);
    this.workers.forEach((w, i) => {
      const { start, end } = rowsOf(i + 1, this.size, this.total);
      w.postMessage({ type: 'step', batch: sliceBatch(batch, start, end) } satisfies ToWorker);
    });
    const own = rowsOf(0, this.size, this.total);
    try {
      return trainer.queueStep(sliceBatch(batch, own.start, own.end), source);
    } catch (e) {
      this.abort();
      throw this.failure ? new Error(this.failure) : e;
    }
  }

  /** Wakes every replica waiting in an exchange, to fail. */
  private abort(): void {
    new SharedSum(this.shared, 0, this.size).abort();
  }

  /** Worker `rank`'s copy of the model and optimizer state, as a checkpoint (for tests). */
  async snapshot(rank: number): Promise<Uint8Array> {
    const w = this.workers[rank - 1];
    const reply = this.reply(w);
    w.postMessage({ type: 'snapshot' } satisfies ToWorker);
    const m = await reply;
    if (m.type !== 'snapshot') throw new Error(this.failure ?? 'no snapshot from the training worker');
    return m.bytes;
  }

  async close(): Promise<void> {
    for (const w of this.workers) w.postMessage({ type: 'stop' } satisfies ToWorker);
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}

/** The worker thread's side: load the copy, then train on the rows each message brings. */
export async function runReplica(
  init: ReplicaInit,
  port: { postMessage(m: FromWorker): void; on(ev: 'message', f: (m: ToWorker) => void): void },
): Promise<void> {
  const where = `data-parallel replica ${init.rank}`;
  const part: ReplicaPart = {
    cross: new SharedSum(init.shared, init.rank, init.size),
    offset: rowsOf(init.rank, init.size, init.total).start,
    total: init.total,
  };
  const fail = (e: unknown) => {
    (part.cross as SharedSum).abort();
    port.postMessage({ type: 'error', message: (e as Error)?.message ?? String(e) });
  };
  let model: SpadeModel;
  let trainer: SpadeTrainer;
  try {
    await selectBackend(init.backend);
    const ck = readCheckpoint(init.state, where);
    model = SpadeModel.fromCheckpoint(ck, where);
    trainer = new SpadeTrainer(model, init.options, { seed: init.seed, replica: part });
    trainer.restoreState(ck.extra, where);
  } catch (e) {
    fail(e);
    return;
  }
  let queue = Promise.resolve();
  port.on('message', (m) => {
    queue = queue.then(async () => {
      try {
        if (m.type === 'step') {
          // The losses were summed into replica 0's in the step; nothing to read here.
          trainer.queueStep(m.batch, where).dispose();
        } else if (m.type === 'snapshot') {
          const ck = await model.toCheckpoint({ note: where });
          ck.extra = await trainer.stateToHost();
          port.postMessage({ type: 'snapshot', bytes: writeCheckpoint(ck) });
        } else {
          trainer.dispose();
          model.dispose();
        }
      } catch (e) {
        fail(e);
      }
    });
  });
  port.postMessage({ type: 'ready' });
}
