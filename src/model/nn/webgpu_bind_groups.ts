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
  releaseBuffer(buffer: GPUBuffer, ...rest: unknown[]): void;
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
/** A buffer's id, for bind-group keys and the pool's order: given when first seen. */
const BUFFER_ID = Symbol('spadeBufferId');
/** Bind groups kept at most; past it the cache starts over. */
const MAX_BIND_GROUPS = 16384;

/**
 * TF.js's uniform layout (WebGPUBackend.makeUniforms in tfjs-backend-webgpu 4.x), into one
 * slot's bytes: each field aligned to 4, 8 or 16 bytes by its length (16 after a 5- or 6-long
 * one), the whole to its largest alignment; like TF.js, an empty field becomes [1]. Padding is
 * zero, as the bytes are also the slot's key.
 */
export class UniformPacker {
  readonly bytes = new ArrayBuffer(SLOT);
  private readonly f32 = new Float32Array(this.bytes);
  private readonly i32 = new Int32Array(this.bytes);
  private readonly u32 = new Uint32Array(this.bytes);
  private readonly u16 = new Uint16Array(this.bytes);
  /** The halfwords of the first 4·k bytes, by k: the key's source without a view per call. */
  private readonly prefixes: Uint16Array[] = [];

  /** Packs `uniforms`; returns their size in bytes, or -1 where they do not fit in a slot. */
  pack(uniforms: ProgramUniform[]): number {
    this.u32.fill(0);
    let offset = 0;
    let prevLength = 0;
    let maxAlign = 1;
    for (const u of uniforms) {
      if (u.data.length === 0) u.data = [1];
      const n = u.data.length;
      if (n > 6) throw new Error(`internal: a uniform of ${n} values`);
      const align = prevLength === 5 || prevLength === 6 || n > 2 ? 16 : n * 4;
      if (align > maxAlign) maxAlign = align;
      offset = Math.ceil(offset / align) * align;
      if (offset + n * 4 > SLOT) return -1;
      const view = u.type === 'int32' ? this.i32 : u.type === 'uint32' ? this.u32 : this.f32;
      const at = offset / 4;
      for (let k = 0; k < n; k++) view[at + k] = u.data[k];
      prevLength = n;
      offset += n * 4;
    }
    const size = Math.ceil(offset / maxAlign) * maxAlign;
    return size > SLOT ? -1 : size;
  }

  /** The first `size` bytes packed, as a string. */
  key(size: number): string {
    const words = size / 4;
    const view = (this.prefixes[words] ??= this.u16.subarray(0, size / 2));
    return String.fromCharCode.apply(null, view as unknown as number[]);
  }
}

/** A uniform slot of one call site (withUniformSite): its content, and the submit count when last read. */
interface SiteSlot {
  binding: Binding;
  key: string;
  lastRead: number;
  generation: number;
}

let currentSite: object | undefined;

/**
 * Runs f (one dispatch) with its uniforms in a slot of `site`'s own, rewritten in place when
 * they change, where they would otherwise take a new slot (and a new bind group) each time: for
 * a dispatch repeated every step with new numbers (Adam's step size). A slot still to be read by
 * work not yet submitted is not rewritten; the uniforms then take another.
 */
export function withUniformSite<T>(site: object, f: () => T): T {
  const outer = currentSite;
  currentSite = site;
  try {
    return f();
  } finally {
    currentSite = outer;
  }
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

  // Uniform slots by content, or by the site that asked (withUniformSite).
  const buffers: GPUBuffer[] = [];
  const slots = new Map<string, Binding>();
  const siteSlots = new WeakMap<object, SiteSlot>();
  let used = 0;
  // Submits so far: a slot last read before the latest one may be rewritten.
  let submits = 0;
  const submitQueue = backend.submitQueue;
  backend.submitQueue = function (this: WebGPUBackendLike) {
    submitQueue.call(this);
    submits++;
  };
  const packer = new UniformPacker();
  const newSlot = (self: WebGPUBackendLike, size: number): Binding => {
    if (used >= limits.slots) {
      // Every slot is taken: submit what may read them, then start over.
      self.endComputePassEncoder();
      if (self.commandEncoder) self.submitQueue();
      slots.clear();
      generation++;
      used = 0;
    }
    const b = Math.floor(used / SLOTS_PER_BUFFER);
    if (b === buffers.length) {
      const usage = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
      buffers.push(device.createBuffer({ size: SLOT * SLOTS_PER_BUFFER, usage }));
    }
    const binding = { buffer: buffers[b], offset: (used % SLOTS_PER_BUFFER) * SLOT, size };
    used++;
    return binding;
  };
  // Slots handed out since the last start-over; site slots from before it are stale.
  let generation = 0;
  const original = backend.makeUniforms;
  backend.makeUniforms = function (this: WebGPUBackendLike, uniforms: ProgramUniform[]): Binding {
    const size = packer.pack(uniforms);
    if (size < 0) return original.call(this, uniforms);
    const key = packer.key(size);
    const site = currentSite;
    if (site) {
      let s = siteSlots.get(site);
      if (s && s.generation === generation && s.binding.size === size && (s.key === key || s.lastRead < submits)) {
        // Its last reader was submitted before this write, which the queue orders after it.
        if (s.key !== key) device.queue.writeBuffer(s.binding.buffer, s.binding.offset, packer.bytes, 0, size);
      } else {
        const binding = newSlot(this, size);
        device.queue.writeBuffer(binding.buffer, binding.offset, packer.bytes, 0, size);
        s = { binding, key, lastRead: 0, generation };
        siteSlots.set(site, s);
      }
      s.key = key;
      s.lastRead = submits;
      return s.binding;
    }
    let binding = slots.get(key);
    if (binding) return binding;
    binding = newSlot(this, size);
    device.queue.writeBuffer(binding.buffer, binding.offset, packer.bytes, 0, size);
    slots.set(key, binding);
    return binding;
  };

  // Bind groups by what they bind.
  let nextBufferId = 1;
  const idOf = (b: GPUBuffer): number => ((b as unknown as Record<symbol, number>)[BUFFER_ID] ??= nextBufferId++);
  // TF.js's pool hands out the buffer freed last, so which buffer a tensor gets drifts from step to
  // step (and no bind group would recur). Each free list kept in falling id order hands out the
  // free buffer with the lowest id instead, which makes it the same every step.
  const manager = backend.bufferManager;
  const release = manager.releaseBuffer;
  manager.releaseBuffer = function (this: BufferManagerLike, buffer: GPUBuffer, ...rest: unknown[]) {
    release.call(this, buffer, ...rest);
    const free = this.freeBuffers.get(`${buffer.size}_${buffer.usage}`);
    if (!free || free[free.length - 1] !== buffer) return;
    const id = idOf(buffer);
    let i = free.length - 1;
    for (; i > 0 && idOf(free[i - 1]) < id; i--) free[i] = free[i - 1];
    free[i] = buffer;
  };
  // Kept by a hash of what they bind, each checked number for number (no key strings to build).
  const groups = new Map<number, KeptGroup>();
  let keptGroups = 0;
  const what: number[] = [];
  const createBindGroup = device.createBindGroup;
  /** Fills `what` (the layout's id, then each entry's buffer id, offset and size, -1 where unset); its hash, or undefined. */
  const describe = (descriptor: GPUBindGroupDescriptor): number | undefined => {
    const layout = layoutIds.get(descriptor.layout);
    if (layout === undefined) return undefined;
    what.length = 0;
    what.push(layout);
    let hash = layout;
    let i = 0;
    for (const e of descriptor.entries as Iterable<GPUBindGroupEntry>) {
      const r = e.resource as Partial<GPUBufferBinding>;
      if (e.binding !== i++ || !(r.buffer instanceof GPUBuffer)) return undefined;
      const id = idOf(r.buffer);
      const offset = r.offset ?? -1;
      const size = r.size ?? -1;
      what.push(id, offset, size);
      hash = (Math.imul(hash, 0x01000193) ^ id ^ Math.imul(offset, 0x9e3779b1) ^ Math.imul(size, 0x85ebca6b)) | 0;
    }
    return hash;
  };
  device.createBindGroup = function (this: GPUDevice, descriptor: GPUBindGroupDescriptor): GPUBindGroup {
    const hash = describe(descriptor);
    if (hash === undefined) return createBindGroup.call(this, descriptor);
    const first = groups.get(hash);
    for (let k = first; k; k = k.next) if (sameNumbers(k.what, what)) return k.group;
    const group = createBindGroup.call(this, descriptor);
    if (keptGroups >= MAX_BIND_GROUPS) {
      groups.clear();
      keptGroups = 0;
    }
    groups.set(hash, { what: what.slice(), group, next: groups.get(hash) });
    keptGroups++;
    return group;
  };
}

/** A kept bind group, and the next with the same hash. */
interface KeptGroup {
  what: number[];
  group: GPUBindGroup;
  next: KeptGroup | undefined;
}

function sameNumbers(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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
