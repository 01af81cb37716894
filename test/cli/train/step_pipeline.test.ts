// The order of queueing, reading and writing in spade train's step loop (src/cli/train/step_pipeline.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSteps, type StepPlan } from '../../../src/cli/train/step_pipeline';

/** A loop over `steps` steps that records what happens, in order; `stopAfterRead` stops the run there. */
async function record(
  steps: number,
  plan: (step: number) => StepPlan,
  opts: { stopAfterRead?: number; divergeAt?: number } = {},
) {
  const events: string[] = [];
  let queued = 0;
  let stopped = false;
  const live = new Set<number>();
  await runSteps<number>({
    next: () => {
      if (queued >= steps || stopped) return undefined;
      const step = ++queued;
      live.add(step);
      events.push(`queue ${step}`);
      return {
        step,
        read: async () => {
          events.push(`read ${step}`);
          if (step === opts.divergeAt) throw new Error(`diverged at ${step}`);
          if (step === opts.stopAfterRead) stopped = true;
          return step * 10;
        },
        dispose: () => live.delete(step),
      };
    },
    plan: (step) => {
      const p = plan(step);
      return { logging: p.logging, writes: p.writes || step === steps || stopped };
    },
    finish: async (step, losses, p) => {
      events.push(`finish ${step}${losses !== undefined ? ` log ${losses}` : ''}${p.writes ? ' write' : ''}`);
    },
  }).catch((e: Error) => events.push(`error ${e.message}`));
  return { events, live };
}

test('a step that only logs is read after the next step is queued; nothing is read that is not logged or written', async () => {
  const { events, live } = await record(4, () => ({ logging: true, writes: false }));
  assert.deepEqual(events, [
    'queue 1', 'queue 2', 'read 1', 'finish 1 log 10',
    'queue 3', 'read 2', 'finish 2 log 20',
    'queue 4', 'read 3', 'finish 3 log 30',
    'read 4', 'finish 4 log 40 write', // the last step ends the run: nothing after it
  ]);
  assert.equal(live.size, 0, 'every step disposed');
  const quiet = await record(3, () => ({ logging: false, writes: false }));
  assert.deepEqual(quiet.events, ['queue 1', 'queue 2', 'finish 1', 'queue 3', 'finish 2', 'read 3', 'finish 3 write']);
});

test('a step that writes is read and finished before the next step is queued', async () => {
  const { events } = await record(4, (s) => ({ logging: true, writes: s === 2 }));
  assert.deepEqual(events, [
    'queue 1', 'queue 2', 'read 1', 'finish 1 log 10',
    'read 2', 'finish 2 log 20 write', 'queue 3',
    'queue 4', 'read 3', 'finish 3 log 30',
    'read 4', 'finish 4 log 40 write',
  ]);
});

test('stopped while a step is queued ahead: that step is read and finished as the last one, nothing logged past it', async () => {
  const { events, live } = await record(10, () => ({ logging: true, writes: false }), { stopAfterRead: 2 });
  assert.deepEqual(events, [
    'queue 1', 'queue 2', 'read 1', 'finish 1 log 10',
    'queue 3', 'read 2', 'finish 2 log 20',
    'read 3', 'finish 3 log 30 write',
  ]);
  assert.equal(live.size, 0);
});

test('a diverged step stops the loop before anything else is finished, and the step queued ahead is disposed', async () => {
  const { events, live } = await record(10, () => ({ logging: true, writes: false }), { divergeAt: 2 });
  assert.deepEqual(events, ['queue 1', 'queue 2', 'read 1', 'finish 1 log 10', 'queue 3', 'read 2', 'error diverged at 2']);
  assert.equal(live.size, 0, 'the step queued ahead was disposed');
});
