/**
 * Timings for training on tfjs `wasm` (printed, never asserted):
 *  1. conv kernels on SPADE's shapes: forward Conv2D, Conv2DBackpropFilter (ours; wasm has
 *     none), Conv2DBackpropInput (ours and wasm's own);
 *  2. the 128² toy generator of TESTING.md §4 (about 2.1M parameters): forward, forward +
 *     backward, and a train step with Adam, plus the kernels that take the time;
 *  3. a whole SPADE training step (G and D, hinge + feature matching losses, both Adams).
 * `--cpu` adds the pure-JS cpu backend for the generator (slow: minutes). bench/torch_reference.py
 * prints the same figures for PyTorch on the CPU.
 *
 *   node --import tsx bench/wasm_grad_kernels.ts [--reps 5] [--cpu] [--skip-step]
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../src/model/nn/wasm_kernels';
import { TOY } from './toy_config';
import { SPADEGenerator } from '../src/model/networks/generator';
import { ParamStore } from '../src/model/nn/params';
import { Ctx } from '../src/model/nn/context';
import { seededNormal } from '../src/model/random';
import { initWeights, makeInputs, SpadeStepRig, stepTensors } from '../test/helpers/spade_step';

const args = process.argv.slice(2);
const REPS = args.includes('--reps') ? Number(args[args.indexOf('--reps') + 1]) : 5;
const WITH_CPU = args.includes('--cpu');


type Shape4 = [number, number, number, number];
interface ConvShape {
  name: string;
  x: Shape4;
  filter: Shape4;
  stride: number;
  pad: number;
}

const SHAPES: ConvShape[] = [
  { name: 'TESTING.md §4 layer 128²×128→16 3x3', x: [1, 128, 128, 128], filter: [3, 3, 128, 16], stride: 1, pad: 1 },
  { name: 'toy G up_3 mlp_shared 128²×36→32 3x3', x: [1, 128, 128, 36], filter: [3, 3, 36, 32], stride: 1, pad: 1 },
  { name: 'toy G up_3 mlp_gamma 128²×32→16 3x3', x: [1, 128, 128, 32], filter: [3, 3, 32, 16], stride: 1, pad: 1 },
  { name: 'toy G up_3 conv_0 128²×16→8 3x3', x: [1, 128, 128, 16], filter: [3, 3, 16, 8], stride: 1, pad: 1 },
  { name: 'toy G head_0 conv 8²×128→128 3x3', x: [1, 8, 8, 128], filter: [3, 3, 128, 128], stride: 1, pad: 1 },
  { name: 'D model0 128²×39→64 4x4 s2 (batch 2)', x: [2, 128, 128, 39], filter: [4, 4, 39, 64], stride: 2, pad: 2 },
  { name: 'D model3 17²×256→512 4x4 s1 (batch 2)', x: [2, 17, 17, 256], filter: [4, 4, 256, 512], stride: 1, pad: 2 },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Wall time and this process's CPU time of `f` (medians over REPS runs after one warm-up).
 * wasm runs on one thread, so on a quiet machine the two agree; when other processes share
 * the cores, CPU time is the steadier figure.
 */
interface Timing {
  wall: number;
  cpu: number;
}

async function timeIt(f: () => tf.Tensor | tf.Tensor[], reps = REPS): Promise<Timing> {
  const once = async (): Promise<Timing> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const out = f();
    const list = Array.isArray(out) ? out : [out];
    for (const t of list) await t.data();
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    tf.dispose(list);
    return { wall, cpu: (c.user + c.system) / 1000 };
  };
  await once();
  const runs: Timing[] = [];
  for (let i = 0; i < reps; i++) runs.push(await once());
  return { wall: median(runs.map((r) => r.wall)), cpu: median(runs.map((r) => r.cpu)) };
}

function fmt(t: Timing | number): string {
  const one = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
  return typeof t === 'number' ? `${one(t)} ms` : `${one(t.wall)} (${one(t.cpu)}) ms`;
}

async function kernels(originalInput: tf.KernelConfig | undefined): Promise<void> {
  console.log(`\n## conv kernels on wasm: wall (CPU) ms, median of ${REPS}; wasm's own dX once`);
  console.log('| layer | GMAC | forward | dW (ours) | dX (ours) | dX (wasm 4.22) |');
  console.log('|---|---|---|---|---|---|');
  await tf.setBackend('wasm');
  const backend = tf.backend();
  for (const s of SHAPES) {
    const padding: [[0, 0], [number, number], [number, number], [0, 0]] = [[0, 0], [s.pad, s.pad], [s.pad, s.pad], [0, 0]];
    const info = tf.backend_util.computeConv2DInfo(s.x, s.filter, s.stride, 1, padding);
    const x = tf.tensor4d(seededNormal(info.inShape.reduce((a, b) => a * b), 1), s.x);
    const w = tf.tensor4d(seededNormal(s.filter.reduce((a, b) => a * b), 2), s.filter);
    const dy = tf.tensor4d(seededNormal(info.outShape.reduce((a, b) => a * b), 3), info.outShape);
    const attrs = { strides: s.stride, pad: padding, dataFormat: 'NHWC' };
    const gmac = (info.outShape.reduce((a, b) => a * b) * s.filter[0] * s.filter[1] * s.filter[2]) / 1e9;
    // A fresh filter per forward, as in training, so that XNNPACK packs it every time.
    const fwd = await timeIt(() => tf.tidy(() => tf.conv2d(x, tf.add(w, 0) as tf.Tensor4D, s.stride, padding)));
    const dW = await timeIt(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: s.filter }) as tf.Tensor);
    const dX = await timeIt(() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: s.x }) as tf.Tensor);
    let old: Timing | undefined;
    if (originalInput) {
      old = await timeIt(() => {
        const info2 = originalInput.kernelFunc({
          inputs: { dy, filter: w },
          backend,
          attrs: { ...attrs, inputShape: s.x },
        }) as tf.TensorInfo;
        return tf.engine().makeTensorFromTensorInfo(info2);
      }, 1);
    }
    console.log(`| ${s.name} | ${gmac.toFixed(3)} | ${fmt(fwd)} | ${fmt(dW)} | ${fmt(dX)} | ${old ? fmt(old) : '-'} |`);
    tf.dispose([x, w, dy]);
  }
}

async function generator(backend: 'wasm' | 'cpu', reps: number): Promise<void> {
  await tf.setBackend(backend);
  const G = new SPADEGenerator(TOY);
  const params = ParamStore.initialise(G.specs(), 1);
  const inp = makeInputs(TOY, 1, 2);
  const t = stepTensors(TOY, inp);
  const R = tf.tensor4d(seededNormal(inp.h * inp.w * 3, 3), [1, inp.h, inp.w, 3]);
  const vars = params.trainableVariables();
  const opt = tf.train.adam(2e-4, 0, 0.9);
  const loss = (ctx: Ctx) => tf.sum(tf.mul(G.forward(ctx, t.seg), R)) as tf.Scalar;
  const fwd = await timeIt(() => {
    const ctx = new Ctx(params, true);
    const out = G.forward(ctx, t.seg);
    tf.dispose([...ctx.updates.values()]);
    return out;
  }, reps);
  const fwdBwd = await timeIt(() => {
    const ctx = new Ctx(params, true);
    const { value, grads } = tf.variableGrads(() => loss(ctx), vars);
    tf.dispose([...ctx.updates.values()]);
    return [value, ...Object.values(grads)];
  }, reps);
  const step = await timeIt(() => {
    const ctx = new Ctx(params, true);
    const { value, grads } = tf.variableGrads(() => loss(ctx), vars);
    opt.applyGradients(grads as unknown as Record<string, tf.Variable>);
    params.applyUpdates(ctx.updates);
    tf.dispose(Object.values(grads));
    return value;
  }, reps);
  console.log(`| ${backend} | ${params.paramCount()} | ${fmt(fwd)} | ${fmt(fwdBwd)} | ${fmt(step)} |`);
  if (backend === 'wasm') {
    // Where the time goes in forward + backward, by kernel.
    const ctx = new Ctx(params, true);
    const prof = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => loss(ctx), vars);
      tf.dispose([value, ...Object.values(grads)]);
    });
    tf.dispose([...ctx.updates.values()]);
    const byName = new Map<string, number>();
    for (const k of prof.kernels) byName.set(k.name, (byName.get(k.name) ?? 0) + Number(k.kernelTimeMs));
    const total = [...byName.values()].reduce((a, b) => a + b, 0);
    const top = [...byName].sort((a, b) => b[1] - a[1]).slice(0, 8);
    generatorProfile = `kernel time in one wasm forward + backward: ${fmt(total)} in ${prof.kernels.length} kernel calls; ` + top.map(([n, ms]) => `${n} ${fmt(ms)}`).join(', ');
  }
  opt.dispose();
  tf.dispose([t.seg, t.real, t.eps, R]);
  params.dispose();
}
let generatorProfile = '';

async function fullStep(): Promise<void> {
  await tf.setBackend('wasm');
  const weights = await initWeights(TOY, 1);
  const rig = new SpadeStepRig(TOY, weights);
  const t = stepTensors(TOY, makeInputs(TOY, 1, 2));
  const optG = tf.train.adam(1e-4, 0, 0.9);
  const optD = tf.train.adam(4e-4, 0, 0.9);
  const ms = await timeIt(() => {
    const r = rig.run(t);
    optG.applyGradients(r.gGrads as unknown as Record<string, tf.Variable>);
    optD.applyGradients(r.dGrads as unknown as Record<string, tf.Variable>);
    tf.dispose([...Object.values(r.gGrads), ...Object.values(r.dGrads)]);
    return [r.lossG, r.lossD];
  }, Math.max(1, Math.floor(REPS / 2)));
  console.log(`\n## whole SPADE train step on wasm (G step + D step + both Adams; G ${rig.pG.paramCount()} params, D ${rig.pD.paramCount()} params, ndf ${TOY.ndf}, num_D ${TOY.num_D}, n_layers_D ${TOY.n_layers_D}, batch 1)`);
  console.log(`median: ${fmt(ms)}`);
  tf.dispose([t.seg, t.real, t.eps]);
  optG.dispose();
  optD.dispose();
  rig.dispose();
}

async function main(): Promise<void> {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  await tf.setBackend('wasm');
  const originalInput = tf.getKernel('Conv2DBackpropInput', 'wasm');
  registerWasmTrainingKernels();
  const load = os.loadavg()[0];
  console.log(`# tfjs wasm training kernels (Node ${process.version}, wasm SIMD, 1 thread; ${os.cpus().length} cores, load average ${load.toFixed(1)} at start)`);
  await kernels(originalInput);
  console.log(`\n## toy SPADE generator, 128², batch 1, train mode: wall (CPU) ms, median of ${REPS}`);
  console.log('| backend | params | forward | forward + backward | train step (+ Adam) |');
  console.log('|---|---|---|---|---|');
  await generator('wasm', REPS);
  if (WITH_CPU) await generator('cpu', 1);
  console.log(`\n${generatorProfile}`);
  if (!args.includes('--skip-step')) await fullStep();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
