// iter.txt as NVlabs' IterationCounter writes (numpy savetxt, one integer a line) and reads it
// (np.loadtxt with delimiter ','), and our loader's place mapped onto it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIterTxt, iterationFromInfo, iterationFromLoader, parseIterTxt } from '../../../src/model/nvlabs/iter_txt';
import { throwsInput } from '../../helpers/throws_input';

test('written one integer a line, read back; a comma-separated line reads too', () => {
  assert.equal(formatIterTxt({ epoch: 3, epochIter: 96 }), '3\n96\n');
  assert.deepEqual(parseIterTxt(formatIterTxt({ epoch: 3, epochIter: 96 }), 'iter.txt'), { epoch: 3, epochIter: 96 });
  assert.deepEqual(parseIterTxt('7,0\n', 'iter.txt'), { epoch: 7, epochIter: 0 });
});

test('anything else is refused with the file named', () => {
  for (const bad of ['', '3\n', '0\n5\n', '1\n2\n3\n', '1.5\n0\n', 'x\ny\n']) throwsInput(() => parseIterTxt(bad, 'runs/x/iter.txt'), /runs\/x\/iter\.txt: not an NVlabs iter\.txt/);
});

test('our loader (epochs from 0, samples drawn in the epoch) maps to NVlabs\' epoch from 1 and samples seen', () => {
  assert.deepEqual(iterationFromLoader({ epoch: 0, index: 3 }), { epoch: 1, epochIter: 3 });
  assert.deepEqual(iterationFromLoader({ epoch: 4, index: 0 }), { epoch: 5, epochIter: 0 });
  assert.deepEqual(iterationFromLoader(undefined), { epoch: 1, epochIter: 0 });
});

test('the iteration in a checkpoint\'s metadata is checked as iter.txt is', () => {
  assert.deepEqual(iterationFromInfo('{"epoch":3,"epochIter":12}', 'run'), { epoch: 3, epochIter: 12 });
  for (const bad of ['', 'null', '[]', '{"epoch":0,"epochIter":1}', '{"epoch":"2","epochIter":1}', '{"epoch":2}', '{"epoch":2.5,"epochIter":0}']) {
    throwsInput(() => iterationFromInfo(bad, 'run'), /^run: /);
  }
});
