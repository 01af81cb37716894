/**
 * A dispatch's bind group and uniforms on WebGPU, made once per distinct dispatch. For every
 * dispatch TF.js's webgpu backend asks the pipeline for its bind group layout, takes a uniform
 * buffer from its pool and writes it, and creates a bind group; through Dawn's Node binding the
 * bind group alone is the largest host cost of a dispatch. A train step repeats the same
 * dispatches step after step (the same shapes, and the same buffers from TF.js's pool), so here:
 * - a pipeline's layout is asked for once;
 * - uniforms live in 256-byte slots of a few shared buffers, one slot per distinct content,
 *   written once (TF.js's layout, bit for bit: uniformBytes);
 * - bind groups are kept by what they bind (the layout, each buffer, the uniform slot) and reused.
 *
 * A slot is never rewritten while the encoder not yet submitted may read it: when the slots run
 * out, the pending work is submitted first, then all slots are free again (a later write is
 * ordered after that submit on the queue). A kept bind group binds buffers, not tensors: a pooled
 * buffer given to another tensor is still the same binding, and a destroyed one never comes back
 * (new buffers get new ids), so a stale group is never hit. Only for tfjs-backend-webgpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerOnFlag } from './webgpu_program';

/** A uniform of TF.js's webgpu programs, as recordAndSubmit gathers them. */
export interface ProgramUniform {
  type: string;
  data: number[];
}

type Binding = { buffer: GPUBuffer; offset: number; size: number };

interface BufferManagerLike {
  /** Free buffers by `${size}_${usage}`; acquireBuffer pops the last. */
  freeBuffers: Map<string, GPUBuffer[]>;
  acquireBuffer(size: number, usage: number, ...rest: unknown[]): GPUBuffer;
}

interface WebGPUBackendLike {
  device: GPUDevice;
  bufferManager: BufferManagerLike;
  commandEncoder: GPUCommandEncoder | null;
  pipelineCache: Record<string, GPUComputePipeline | Promise<GPUComputePipeline>>;
  makeUniforms(uniforms: ProgramUniform[]): Binding;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

const FLAG = 'SPADE_WEBGPU_BIND_CACHE';
registerOnFlag(FLAG);

/** Bytes per uniform slot: WebGPU's largest minUniformBufferOffsetAlignment, and room for TF.js's uniforms. */
const SLOT = 256;
/** Slots per uniform buffer, and buffers at most (a step uses some hundreds of distinct uniforms). */
const SLOTS_PER_BUFFER = 256;
const MAX_BUFFERS = 32;
/** Bind groups kept at most; past it the cache starts over. */
const MAX_BIND_GROUPS = 16384;

/**
 * TF.js's uniform layout (WebGPUBackend.makeUniforms in tfjs-backend-webgpu 4.x): each field
 * aligned to 4, 8 or 16 bytes by its length (16 after a 5- or 6-long one), the whole to its
 * largest alignment. Writes the bytes into `out` (which must be long enough, or a fresh buffer
 * is made) and returns them with their length. Like TF.js, an empty field becomes [1].
 */
export function uniformBytes(uniforms: ProgramUniform[], out?: ArrayBuffer): { bytes: ArrayBuffer; size: number } {
  let offset = 0;
  let prevLength = 0;
  let maxAlign = 1;
  const offsets: number[] = [];
  for (const u of uniforms) {
    if (u.data.length === 0) u.data = [1];
    const n = u.data.length;
    if (n > 6) throw new Error(`internal: a uniform of ${n} values`);
    let align = n === 1 ? 4 : n === 2 ? 8 : 16;
    if (prevLength === 5 || prevLength === 6) align = 16;
    maxAlign = Math.max(maxAlign, align);
    offset = Math.ceil(offset / align) * align;
    prevLength = n;
    offsets.push(offset);
    offset += n * 4;
  }
  const size = Math.ceil(offset / maxAlign) * maxAlign;
  const bytes = out && out.byteLength >= size ? out : new ArrayBuffer(size);
  const f32 = new Float32Array(bytes, 0, size / 4);
  const i32 = new Int32Array(bytes, 0, size / 4);
  const u32 = new Uint32Array(bytes, 0, size / 4);
  // Padding is part of the cache key: zero it.
  u32.fill(0);
  uniforms.forEach((u, k) => {
    const view = u.type === 'int32' ? i32 : u.type === 'uint32' ? u32 : f32;
    const at = offsets[k] / 4;
    for (let j = 0; j < u.data.length; j++) view[at + j] = u.data[j];
  });
  return { bytes, size };
}

/** Per backend where installed: how many uniform slots it may use. */
const installed = new WeakMap<object, { slots: number }>();

/**
 * Reuses bind groups and uniforms on the active webgpu backend (idempotent; off with
 * SPADE_WEBGPU_BIND_CACHE=0). `uniformSlots` bounds the distinct uniforms kept, also where
 * already installed (the tests use a few).
 */
export function installBindGroupCache(uniformSlots?: number): void {
  if (tf.getBackend() !== 'webgpu' || !tf.env().getBool(FLAG)) return;
  const backend = tf.backend() as unknown as WebGPUBackendLike;
  const current = installed.get(backend);
  if (current) {
    if (uniformSlots !== undefined) current.slots = Math.min(uniformSlots, SLOTS_PER_BUFFER * MAX_BUFFERS);
    return;
  }
  if (typeof backend.makeUniforms !== 'function') return;
  const limits = { slots: Math.min(uniformSlots ?? Infinity, SLOTS_PER_BUFFER * MAX_BUFFERS) };
  installed.set(backend, limits);
  const device = backend.device;

  // Layouts, asked for once per pipeline; only these take part in bind-group keys.
  const layoutIds = new WeakMap<GPUBindGroupLayout, number>();
  let nextLayoutId = 1;
  const keepLayout = (pipeline: GPUComputePipeline): GPUComputePipeline => {
    const own = pipeline as GPUComputePipeline & { keptLayout?: boolean };
    if (own.keptLayout) return pipeline;
    const ask = pipeline.getBindGroupLayout.bind(pipeline);
    const layout0 = ask(0);
    layoutIds.set(layout0, nextLayoutId++);
    own.getBindGroupLayout = (index: number) => (index === 0 ? layout0 : ask(index));
    own.keptLayout = true;
    return pipeline;
  };
  for (const p of Object.values(backend.pipelineCache)) {
    if (p instanceof Promise) void p.then(keepLayout);
    else keepLayout(p);
  }
  const createPipeline = device.createComputePipeline;
  device.createComputePipeline = function (this: GPUDevice, descriptor: GPUComputePipelineDescriptor) {
    return keepLayout(createPipeline.call(this, descriptor));
  };
  const createPipelineAsync = device.createComputePipelineAsync;
  device.createComputePipelineAsync = async function (this: GPUDevice, descriptor: GPUComputePipelineDescriptor) {
    return keepLayout(await createPipelineAsync.call(this, descriptor));
  };

  // Uniform slots by content.
  const buffers: GPUBuffer[] = [];
  const slots = new Map<string, Binding>();
  let used = 0;
  const scratch = new ArrayBuffer(SLOT);
  const original = backend.makeUniforms;
  backend.makeUniforms = function (this: WebGPUBackendLike, uniforms: ProgramUniform[]): Binding {
    const { bytes, size } = uniformBytes(uniforms, scratch);
    if (bytes !== scratch) return original.call(this, uniforms);
    const key = String.fromCharCode.apply(null, new Uint16Array(scratch, 0, size / 2) as unknown as number[]);
    let binding = slots.get(key);
    if (binding) return binding;
    if (used >= limits.slots) {
      // Every slot is taken: submit what may read them, then start over.
      this.endComputePassEncoder();
      if (this.commandEncoder) this.submitQueue();
      slots.clear();
      used = 0;
    }
    const b = Math.floor(used / SLOTS_PER_BUFFER);
    if (b === buffers.length) {
      const usage = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
      buffers.push(device.createBuffer({ size: SLOT * SLOTS_PER_BUFFER, usage }));
    }
    binding = { buffer: buffers[b], offset: (used % SLOTS_PER_BUFFER) * SLOT, size };
    used++;
    device.queue.writeBuffer(binding.buffer, binding.offset, scratch, 0, size);
    slots.set(key, binding);
    return binding;
  };

  // Bind groups by what they bind.
  const bufferIds = new WeakMap<GPUBuffer, number>();
  let nextBufferId = 1;
  const idOf = (b: GPUBuffer): number => {
    let id = bufferIds.get(b);
    if (id === undefined) bufferIds.set(b, (id = nextBufferId++));
    return id;
  };
  // TF.js's pool hands out the buffer freed last, so which buffer a tensor gets drifts from step to
  // step (and no bind group would recur); handing out the free one seen first (the lowest id)
  // makes it the same every step.
  const manager = backend.bufferManager;
  const acquire = manager.acquireBuffer;
  manager.acquireBuffer = function (this: BufferManagerLike, size: number, usage: number, ...rest: unknown[]) {
    const free = this.freeBuffers.get(`${size}_${usage}`);
    if (free && free.length > 1) {
      const last = free.length - 1;
      let first = last;
      for (let i = 0; i < last; i++) if (idOf(free[i]) < idOf(free[first])) first = i;
      [free[first], free[last]] = [free[last], free[first]];
    }
    return acquire.call(this, size, usage, ...rest);
  };
  const groups = new Map<string, GPUBindGroup>();
  const createBindGroup = device.createBindGroup;
  const keyOf = (descriptor: GPUBindGroupDescriptor): string | undefined => {
    const layout = layoutIds.get(descriptor.layout);
    if (layout === undefined) return undefined;
    let key = String(layout);
    for (const e of descriptor.entries as Iterable<GPUBindGroupEntry>) {
      const r = e.resource as Partial<GPUBufferBinding>;
      if (!(r.buffer instanceof GPUBuffer)) return undefined;
      key += `,${e.binding}:${idOf(r.buffer)}:${r.offset ?? 0}:${r.size ?? ''}`;
    }
    return key;
  };
  device.createBindGroup = function (this: GPUDevice, descriptor: GPUBindGroupDescriptor): GPUBindGroup {
    const key = keyOf(descriptor);
    if (key === undefined) return createBindGroup.call(this, descriptor);
    let group = groups.get(key);
    if (!group) {
      group = createBindGroup.call(this, descriptor);
      if (groups.size >= MAX_BIND_GROUPS) groups.clear();
      groups.set(key, group);
    }
    return group;
  };
}

/**
 * Submits what is encoded so far, where the cache is installed: called as a train step begins, so
 * that every step's dispatches fall into the same submits and free the same buffers at the same
 * points, and its bind groups recur.
 */
export function submitPending(): void {
  if (tf.getBackend() !== 'webgpu') return;
  const backend = tf.backend() as unknown as WebGPUBackendLike;
  if (!installed.has(backend)) return;
  backend.endComputePassEncoder();
  if (backend.commandEncoder) backend.submitQueue();
}
