/**
 * NumPy `.npy` reading/writing (format versions 1.0, 2.0, 3.0), float arrays only, as
 * Float32Array. Bytes in, bytes out: runs in Node and in browser workers.
 *
 * The header dict is parsed by a small parser for Python literals (strings, ints, True/False/None,
 * tuples, lists, dicts); nothing is evaluated.
 */
import { halfToFloat } from '../checkpoint/half';
import { SpadeInputError } from '../errors';

export interface NpyArray {
  shape: number[];
  data: Float32Array;
}

export interface ReadNpyOptions {
  /** Expected shape; `null` entries match any size. */
  expectShape?: readonly (number | null)[];
  /** Reject NaN and ±Infinity. */
  finite?: boolean;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ARRAY_ALIGN = 64;
const GROWTH_AXIS_MAX_DIGITS = 21; // numpy/lib/format.py: spare header room for growing axis 0
/** numpy refuses headers over 10000 bytes by default; we allow more but not unbounded. */
const MAX_HEADER_LEN = 1 << 20;

/** Float dtypes we accept, by their little-endian descr. */
const DTYPES: Record<string, { size: number }> = {
  '<f4': { size: 4 },
  '<f8': { size: 8 },
  '<f2': { size: 2 },
};

function fail(fileName: string, message: string): never {
  throw new SpadeInputError(message, fileName);
}

// ---------------------------------------------------------------------------------------------
// Python literal parser (the subset `repr` of a header dict can produce)

type PyValue = string | number | boolean | null | PyValue[] | PyTuple | PyDict;
class PyTuple {
  constructor(readonly items: PyValue[]) {}
}
class PyDict {
  constructor(readonly entries: Map<string, PyValue>) {}
}

class LiteralParser {
  private pos = 0;
  constructor(private readonly src: string) {}

  parseAll(): PyValue {
    const v = this.value(0);
    this.ws();
    if (this.pos !== this.src.length) this.error(`unexpected ${JSON.stringify(this.src[this.pos])}`);
    return v;
  }

  private error(msg: string): never {
    throw new SyntaxError(`${msg} at character ${this.pos}`);
  }

  private ws(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos])) this.pos++;
  }

  private value(depth: number): PyValue {
    if (depth > 16) this.error('nesting too deep');
    this.ws();
    const c = this.src[this.pos];
    if (c === undefined) this.error('unexpected end of header');
    if (c === "'" || c === '"') return this.string();
    if (c === '(') {
      this.pos++;
      return new PyTuple(this.sequence(')', depth));
    }
    if (c === '[') {
      this.pos++;
      return this.sequence(']', depth);
    }
    if (c === '{') return this.dict(depth);
    const m = /^(?:[-+]?\d+L?|True|False|None)/.exec(this.src.slice(this.pos, this.pos + 40));
    if (!m) this.error(`unexpected ${JSON.stringify(c)}`);
    this.pos += m[0].length;
    if (m[0] === 'True') return true;
    if (m[0] === 'False') return false;
    if (m[0] === 'None') return null;
    return Number(m[0].replace(/L$/, '')); // Python 2 numpy wrote shapes like (3L, 4L)
  }

  private sequence(close: string, depth: number): PyValue[] {
    const items: PyValue[] = [];
    for (;;) {
      this.ws();
      if (this.src[this.pos] === close) {
        this.pos++;
        return items;
      }
      items.push(this.value(depth + 1));
      this.ws();
      const c = this.src[this.pos];
      if (c === ',') this.pos++;
      else if (c !== close) this.error(`expected ',' or '${close}'`);
    }
  }

  private dict(depth: number): PyDict {
    this.pos++; // {
    const entries = new Map<string, PyValue>();
    for (;;) {
      this.ws();
      if (this.src[this.pos] === '}') {
        this.pos++;
        return new PyDict(entries);
      }
      const key = this.value(depth + 1);
      if (typeof key !== 'string') this.error('dict keys must be strings');
      this.ws();
      if (this.src[this.pos] !== ':') this.error("expected ':'");
      this.pos++;
      entries.set(key, this.value(depth + 1));
      this.ws();
      const c = this.src[this.pos];
      if (c === ',') this.pos++;
      else if (c !== '}') this.error("expected ',' or '}'");
    }
  }

  private string(): string {
    const quote = this.src[this.pos++];
    let out = '';
    for (;;) {
      const c = this.src[this.pos++];
      if (c === undefined) this.error('unterminated string');
      if (c === quote) return out;
      if (c === '\\') {
        const e = this.src[this.pos++];
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"' };
        if (e !== undefined && e in simple) out += simple[e];
        else this.error('unsupported escape in string');
      } else {
        out += c;
      }
    }
  }
}

function pyRepr(v: PyValue): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number') return String(v);
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null) return 'None';
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (v instanceof PyTuple) return v.items.length === 1 ? `(${pyRepr(v.items[0])},)` : `(${v.items.map(pyRepr).join(', ')})`;
  return `{${[...v.entries.entries()].map(([k, x]) => `'${k}': ${pyRepr(x)}`).join(', ')}}`;
}

/** Python's repr of a shape tuple: `()`, `(3,)`, `(2, 3)`; `null` dims print as `?`. */
export function formatShape(shape: readonly (number | null)[]): string {
  const dims = shape.map((d) => (d === null ? '?' : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}

// ---------------------------------------------------------------------------------------------

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function unravel(index: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = index % shape[d];
    index = Math.floor(index / shape[d]);
  }
  return out;
}

/**
 * Reads a `.npy` file holding a C-order `<f4` array (`<f8` and `<f2` are converted to float32).
 * Throws SpadeInputError naming `fileName` for bad magic, truncation, unsupported dtype,
 * Fortran order, a data size that does not match the shape, or failed `opts` checks.
 */
export function readNpy(bytes: Uint8Array, fileName: string, opts: ReadNpyOptions = {}): NpyArray {
  if (MAGIC.some((v, i) => i < bytes.length && bytes[i] !== v)) {
    fail(fileName, 'not a NumPy .npy file (bad magic; expected \\x93NUMPY)');
  }
  if (bytes.length < 10) fail(fileName, `truncated .npy file (${bytes.length} bytes)`);
  const major = bytes[6];
  const minor = bytes[7];
  let headerStart: number;
  let headerLen: number;
  if (major === 1) {
    headerStart = 10;
    headerLen = bytes[8] | (bytes[9] << 8);
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail(fileName, `truncated .npy file (${bytes.length} bytes)`);
    headerStart = 12;
    headerLen = (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24)) >>> 0;
  } else {
    fail(fileName, `unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) {
    fail(fileName, `truncated .npy file: header needs ${headerLen} bytes, file has ${bytes.length - headerStart}`);
  }
  if (headerLen > MAX_HEADER_LEN) fail(fileName, `.npy header is ${headerLen} bytes, more than the ${MAX_HEADER_LEN} allowed`);
  const headerBytes = bytes.subarray(headerStart, dataStart);
  let headerText: string;
  if (major === 3) {
    try {
      headerText = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
    } catch {
      fail(fileName, '.npy header is not valid UTF-8');
    }
  } else {
    let t = ''; // latin-1
    for (let i = 0; i < headerBytes.length; i += 4096) {
      t += String.fromCharCode(...headerBytes.subarray(i, i + 4096));
    }
    headerText = t;
  }

  let header: PyValue;
  try {
    header = new LiteralParser(headerText).parseAll();
  } catch (e) {
    fail(fileName, `cannot parse .npy header (${e instanceof Error ? e.message : String(e)}): ${JSON.stringify(headerText.trim().slice(0, 120))}`);
  }
  if (!(header instanceof PyDict)) fail(fileName, '.npy header is not a dict');
  const descr = header.entries.get('descr');
  const fortran = header.entries.get('fortran_order');
  const shapeVal = header.entries.get('shape');
  if (descr === undefined || fortran === undefined || shapeVal === undefined) {
    fail(fileName, ".npy header lacks one of 'descr', 'fortran_order', 'shape'");
  }
  if (!(shapeVal instanceof PyTuple) || !shapeVal.items.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    fail(fileName, `.npy header has an invalid shape ${pyRepr(shapeVal)}`);
  }
  const shape = shapeVal.items as number[];
  if (typeof fortran !== 'boolean') fail(fileName, `.npy header has an invalid fortran_order ${pyRepr(fortran)}`);
  const dtypeName = typeof descr === 'string' ? descr : pyRepr(descr);
  const dtype = typeof descr === 'string' ? DTYPES[descr] : undefined;
  if (!dtype) {
    fail(fileName, `unsupported dtype ${dtypeName} (expected little-endian float: '<f4', or '<f8'/'<f2' to convert)`);
  }
  if (fortran && shape.filter((d) => d > 1).length > 1) {
    fail(fileName, `array ${formatShape(shape)} is stored in Fortran (column-major) order, only C order is supported; save it with np.ascontiguousarray`);
  }

  let count = 1;
  for (const d of shape) count *= d;
  if (count > 0x7fffffff) fail(fileName, `array ${formatShape(shape)} is too large`);
  const need = count * dtype.size;
  const have = bytes.length - dataStart;
  if (have < need) {
    fail(fileName, `truncated .npy file: shape ${formatShape(shape)} of ${dtypeName} needs ${need} data bytes, file has ${have}`);
  }
  if (have > need) {
    fail(fileName, `.npy data is ${have} bytes but shape ${formatShape(shape)} of ${dtypeName} needs ${need} (shape and data length disagree)`);
  }

  const raw = bytes.subarray(dataStart);
  let data: Float32Array;
  if (descr === '<f4') {
    if (LITTLE_ENDIAN_HOST) {
      data = new Float32Array(count);
      new Uint8Array(data.buffer).set(raw); // copy: aligned, and independent of the input
    } else {
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = dv.getFloat32(4 * i, true);
    }
  } else {
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    data = new Float32Array(count);
    if (descr === '<f8') for (let i = 0; i < count; i++) data[i] = dv.getFloat64(8 * i, true);
    else for (let i = 0; i < count; i++) data[i] = halfToFloat(dv.getUint16(2 * i, true));
  }

  if (opts.expectShape) {
    const want = opts.expectShape;
    const ok = want.length === shape.length && want.every((d, i) => d === null || d === shape[i]);
    if (!ok) fail(fileName, `array has shape ${formatShape(shape)}, expected ${formatShape(want)}`);
  }
  if (opts.finite) {
    let nan = 0;
    let inf = 0;
    let first = -1;
    for (let i = 0; i < count; i++) {
      const v = data[i];
      if (v - v !== 0) {
        // NaN or ±Inf (descr '<f8' values beyond float32 range also become ±Inf here)
        if (Number.isNaN(v)) nan++;
        else inf++;
        if (first < 0) first = i;
      }
    }
    if (first >= 0) {
      const parts = [nan ? `${nan} NaN` : '', inf ? `${inf} infinite` : ''].filter(Boolean).join(', ');
      fail(fileName, `array contains non-finite values: ${parts} (first at index [${unravel(first, shape).join(', ')}])`);
    }
  }
  return { shape: [...shape], data };
}

/**
 * Writes a C-order `<f4` array as `.npy` v1.0, byte-identical to `numpy.save` (numpy >= 1.23:
 * header with spare room for growing axis 0, padded with spaces and a newline to a multiple of 64).
 * Throws RangeError when `shape` is invalid or does not match `data.length`.
 */
export function writeNpy(shape: readonly number[], data: Float32Array): Uint8Array {
  let count = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`invalid shape ${formatShape(shape)}`);
    count *= d;
  }
  if (count !== data.length) {
    throw new RangeError(`shape ${formatShape(shape)} holds ${count} values, data has ${data.length}`);
  }
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${formatShape(shape)}, }`;
  if (shape.length > 0) header += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length);
  const preamble = MAGIC.length + 2 + 2; // magic, version, uint16 header length
  const hlen = header.length + 1; // + '\n'
  const padlen = ARRAY_ALIGN - ((preamble + hlen) % ARRAY_ALIGN);
  const total = hlen + padlen;
  if (total > 0xffff) throw new RangeError(`shape ${formatShape(shape)} makes the .npy header too long`);
  const out = new Uint8Array(preamble + total + 4 * count);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = total & 0xff;
  out[9] = total >> 8;
  let p = preamble;
  for (let i = 0; i < header.length; i++) out[p++] = header.charCodeAt(i);
  for (let i = 0; i < padlen; i++) out[p++] = 0x20;
  out[p++] = 0x0a;
  if (LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), p);
  } else {
    const dv = new DataView(out.buffer, p);
    for (let i = 0; i < count; i++) dv.setFloat32(4 * i, data[i], true);
  }
  return out;
}
