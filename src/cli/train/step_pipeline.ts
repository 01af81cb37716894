/**
 * The order in which `spade train` queues steps and reads their losses back. A step whose losses
 * are only logged is read while the next step is already queued, so on a GPU the device does not
 * wait for the host between them. A step that writes something (a checkpoint or a sample grid),
 * or that ends the run, is read before anything else is queued: what is written holds that step's
 * weights, and a run stopped at any point has logged nothing past what it saved.
 */

/** A step whose work is queued (SpadeTrainer.queueStep or its data-parallel form). */
export interface PendingStep<L> {
  readonly step: number;
  read(): Promise<L>;
  dispose(): void;
}

/** What the run does after a step: read and log its losses, and whether it writes anything. */
export interface StepPlan {
  logging: boolean;
  /** A checkpoint or a sample grid follows this step, or the run ends (or stops) with it. */
  writes: boolean;
}

export interface StepLoop<L> {
  /** Queues the next step, or says there is none (the run is done or was stopped). */
  next(): PendingStep<L> | undefined;
  plan(step: number): StepPlan;
  /** After a step's losses were read (given when it logs): logging, samples, checkpoints. */
  finish(step: number, losses: L | undefined, plan: StepPlan): Promise<void>;
}

/** Runs steps until `next` has none; a step's losses are read only where it logs or writes. */
export async function runSteps<L>(loop: StepLoop<L>): Promise<void> {
  let pending = loop.next();
  let ahead: PendingStep<L> | undefined;
  try {
    while (pending) {
      const plan = loop.plan(pending.step);
      ahead = plan.writes ? undefined : loop.next();
      let losses: L | undefined;
      try {
        // Read before writing too: a diverged step stops the run before it overwrites a checkpoint.
        if (plan.logging || plan.writes) losses = await pending.read();
      } finally {
        pending.dispose();
      }
      await loop.finish(pending.step, plan.logging ? losses : undefined, plan);
      pending = plan.writes ? loop.next() : ahead;
      ahead = undefined;
    }
  } finally {
    ahead?.dispose();
  }
}
