// Fuzzes every reader we own in guarded workers (see guard.ts) and prints the counts.
// SPADE_FUZZ_RUNS (runs per property, default 200) and SPADE_FUZZ_SEED make longer or other runs.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { addTally, emptyTally, formatTally, runSuite, type Tally } from './guard';

const NUM_RUNS = Number(process.env.SPADE_FUZZ_RUNS ?? 200);
const SEED = Number(process.env.SPADE_FUZZ_SEED ?? 20261125);
const total = emptyTally();

function check(t: Tally): void {
  assert.deepEqual(t.failures, [], 'suite failures');
  assert.deepEqual(t.hangs, [], 'hangs');
  assert.deepEqual(t.codeExecuted, [], 'code executed');
  assert.deepEqual(t.unclean.slice(0, 20), [], `${t.unclean.length} unclean outcomes`);
  assert.ok(t.clean > 0, 'some inputs were refused');
}

for (const suite of ['png', 'pth', 'safetensors', 'npy', 'opt', 'style']) {
  test(`${suite}: hostile inputs give one-line SpadeInputErrors naming the file, no hang, no code run`, async () => {
    const t = await runSuite(suite, { numRuns: NUM_RUNS, seed: SEED });
    addTally(total, t);
    console.log(formatTally(suite, t));
    check(t);
  });
}

after(() => console.log(formatTally('readers (all)', total)));
