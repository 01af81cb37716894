/**
 * The shared parity procedure for a module with a reference case: eval forward and its
 * taps, one train-mode forward with gradients of sum(out * R), then the buffers after it.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Ctx } from '../../src/model/nn/context';
import type { ParamStore } from '../../src/model/nn/params';
import { assertActivation, assertParam, nhwc, ref, type RefCase } from './reference';

export interface ParityTolerances {
  forward: number;
  grad: number;
}

export interface ParityReport {
  evalErr: number;
  trainErr: number;
  worstTap: number;
  worstGrad: number;
  worstBuffer: number;
  checked: number;
}

/**
 * `forward(ctx, x)` runs the module; `x` is the variable for `grad/input_x` when the case has it.
 * `bufferPrefix` is the prefix used in `post_train/` names (`G.` for networks, '' for layers).
 */
export function checkParity(
  c: RefCase,
  params: ParamStore,
  forward: (ctx: Ctx, x?: tf.Variable) => tf.Tensor,
  opts: { x?: tf.Variable; bufferPrefix?: string; tol?: Partial<ParityTolerances>; evalOnly?: boolean } = {},
): ParityReport {
  const tol = { forward: 1e-4, grad: 1e-3, ...opts.tol };
  const report: ParityReport = { evalErr: 0, trainErr: 0, worstTap: 0, worstGrad: 0, worstBuffer: 0, checked: 0 };
  const compareTaps = (taps: Map<string, tf.Tensor>, mode: string) => {
    for (const key of c.io.keys()) {
      if (!key.startsWith(`${mode}/`)) continue;
      const name = key.slice(mode.length + 1);
      const t = taps.get(name);
      assert.ok(t, `no tap '${name}' for ${key}`);
      report.worstTap = Math.max(report.worstTap, assertActivation(t, ref(c, key), tol.forward, key));
      report.checked++;
    }
    for (const t of taps.values()) t.dispose();
  };

  const evalTaps = new Map<string, tf.Tensor>();
  const outEval = tf.tidy(() => forward(new Ctx(params, false, evalTaps), opts.x));
  report.evalErr = assertActivation(outEval, ref(c, 'out_eval'), tol.forward, 'out_eval');
  outEval.dispose();
  compareTaps(evalTaps, 'eval');
  if (opts.evalOnly) return report;

  const trainTaps = new Map<string, tf.Tensor>();
  const ctx = new Ctx(params, true, trainTaps);
  const R = nhwc(ref(c, 'R'));
  let outTrain: tf.Tensor | undefined;
  const varList = [...params.trainableVariables(), ...(opts.x ? [opts.x] : [])];
  const { value, grads } = tf.variableGrads(() => {
    const y = forward(ctx, opts.x);
    outTrain = tf.keep(y);
    return tf.sum(tf.mul(y, R)) as tf.Scalar;
  }, varList);
  value.dispose();
  R.dispose();
  report.trainErr = assertActivation(outTrain!, ref(c, 'out_train'), tol.forward, 'out_train');
  outTrain!.dispose();
  compareTaps(trainTaps, 'train');

  for (const key of c.io.keys()) {
    if (!key.startsWith('grad/')) continue;
    const p = key.slice('grad/'.length);
    const v = p === 'input_x' ? opts.x : params.get(p);
    assert.ok(v, `no variable for ${key}`);
    const g = grads[v.name];
    assert.ok(g, `no gradient for ${p}`);
    const e = p === 'input_x' ? assertActivation(g, ref(c, key), tol.grad, key) : assertParam(g, ref(c, key), tol.grad, key);
    report.worstGrad = Math.max(report.worstGrad, e);
    report.checked++;
  }
  for (const g of Object.values(grads)) g.dispose();

  params.applyUpdates(ctx.updates);
  const prefix = opts.bufferPrefix ?? '';
  let buffers = 0;
  for (const key of c.io.keys()) {
    if (!key.startsWith(`post_train/${prefix}`)) continue;
    const p = key.slice(`post_train/${prefix}`.length);
    report.worstBuffer = Math.max(report.worstBuffer, assertParam(params.get(p), ref(c, key), tol.forward, key));
    buffers++;
  }
  report.checked += buffers;
  return report;
}
