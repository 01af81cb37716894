import assert from 'node:assert/strict';
import { SpadeInputError } from '../../src/model/errors';

/** `fn` must throw a one-line SpadeInputError whose message matches `re`. */
export function throwsInput(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SpadeInputError, `expected SpadeInputError, got ${String(e)}`);
    assert.match(e.message, re);
    assert.ok(!e.message.includes('\n'), 'message must be one line');
    return true;
  });
}
