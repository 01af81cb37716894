/**
 * Creates the Mocha instance and installs its globals before any suite module is evaluated: both the
 * BDD (`describe`, `it`, `before`…) and the TDD (`suite`, `test`, `setup`…) interfaces, so a suite may
 * use either. `index.ts` imports this module first, so the suites it imports afterwards register
 * their tests on this instance when the bundle loads.
 */
import Mocha from 'mocha';

export const mocha = new Mocha({
  ui: 'bdd',
  color: false,
  // The extension host and the webviews are real and the machine is slow (2 cores, no GPU).
  timeout: Number(process.env.SPADE_TEST_TIMEOUT_MS ?? 60_000),
  grep: process.env.SPADE_TEST_GREP || undefined,
});

Mocha.interfaces.tdd(mocha.suite); // `ui: 'bdd'` above installs the BDD one
mocha.suite.emit('pre-require', globalThis, 'bundle', mocha);
