// The built CLI (dist/cli.js) on a sample of every kind of bad file: exit 2, one line on stderr
// that names the file, no stack trace, no hang (a time guard per run), no payload executed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeLabelMap } from '../../src/model/io/label_png';
import { CORPUS_MARKER as MARKER, emptyTally, formatTally } from './guard';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const BAD = path.join(ROOT, 'test', 'fixtures', 'bad');
const HELDOUT = path.join(ROOT, 'test', 'fixtures', 'heldout');
const TINY = path.join(ROOT, 'media', 'models', 'tiny-untrained.safetensors');
const LABEL = path.join(ROOT, 'media', 'samples', 'landscape.label.png');
const RUN_GUARD_MS = 120_000;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-robust-cli-'));
const tally = emptyTally();
after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(formatTally('cli', tally));
});

const heldout = ['--opt', path.join(HELDOUT, 'opt.txt')];
const heldoutSynth = (...more: string[]) => ['synth', '--checkpoint', path.join(HELDOUT, 'G_legacy.pth'), ...heldout, '--label', path.join(HELDOUT, 'label.png'), '--instance', path.join(HELDOUT, 'instance.png'), ...more, '-o', path.join(tmp, 'out.png')];
const tinySynth = (label: string, ...more: string[]) => ['synth', '--checkpoint', TINY, '--label', label, ...more, '-o', path.join(tmp, 'out.png')];

/** Runs the CLI and checks the contract for bad input; counts the outcome. */
function refuses(args: string[], file: string, re: RegExp): void {
  fs.rmSync(MARKER, { force: true });
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: RUN_GUARD_MS, env: { ...process.env, SPADE_DEBUG: '' } });
  tally.tried++;
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
    tally.hangs.push(args.join(' '));
    assert.fail(`hung: spade ${args.join(' ')}`);
  }
  if (fs.existsSync(MARKER)) tally.codeExecuted.push(args.join(' '));
  assert.equal(fs.existsSync(MARKER), false, 'the payload ran');
  const lines = r.stderr.trim().split('\n');
  const clean = r.status === 2 && lines.length === 1 && lines[0].startsWith(`spade: ${file}`) && re.test(lines[0]) && !/\s+at\s.+:\d+:\d+/.test(r.stderr);
  if (clean) tally.clean++;
  else tally.unclean.push(`${args.join(' ')} -> ${r.status}: ${r.stderr}`);
  assert.ok(clean, `spade ${args.join(' ')}\nexit ${r.status}, stderr:\n${r.stderr}`);
}

test('label and instance PNGs: bombs, broken files, palettes without PLTE, interlaced sub-byte maps', () => {
  for (const [name, re] of [
    ['bomb_gigapixel.png', /more than the limit of 16777216 pixels/],
    ['bomb_zlib.png', /inflates to more than/],
    ['bad_crc.png', /CRC mismatch/],
    ['truncated.png', /truncated PNG/],
    ['palette_without_plte.png', /without a PLTE chunk/],
    ['interlaced_2bit.png', /not supported/],
    ['empty.png', /file is empty/],
  ] as const) {
    const file = path.join(BAD, 'png', name);
    refuses(tinySynth(file), file, re);
  }
  const inst = path.join(BAD, 'png', 'chunk_length_lie.png');
  refuses(heldoutSynth('--z', path.join(HELDOUT, 'z.npy')).map((a) => (a === path.join(HELDOUT, 'instance.png') ? inst : a)), inst, /truncated PNG/);
});

test('the pixel limit is checked on the header and --max_pixels moves it both ways', () => {
  refuses(tinySynth(LABEL, '--max_pixels', '65535'), LABEL, /image is 256x256 \(65536 pixels\), more than the limit of 65535 pixels/);
  const ok = spawnSync(process.execPath, [CLI, ...tinySynth(LABEL, '--max_pixels', '65536')], { encoding: 'utf8', timeout: RUN_GUARD_MS });
  assert.equal(ok.status, 0, ok.stderr);
  const bomb = path.join(BAD, 'png', 'bomb_gigapixel.png');
  // Past a raised limit the header's lie is still caught, by counting inflated bytes, not allocating them.
  refuses(tinySynth(bomb, '--max_pixels', String(2 ** 40)), bomb, /image data ends early/);
  refuses(tinySynth(LABEL, '--max_pixels', '0'), '--max_pixels', /positive integer/);
});

test('label ids that do not fit the model: which ids and how many pixels', () => {
  const file = path.join(tmp, 'ids.png');
  const ids = new Int32Array(64 * 64).map((_, i) => (i < 100 ? 40 : i < 103 ? 77 : 1));
  fs.writeFileSync(file, encodeLabelMap({ width: 64, height: 64, ids, encoding: { kind: 'gray', bitDepth: 8 } }));
  refuses(tinySynth(file), file, /label ids outside the model's 12 classes: 40 \(100 px\), 77 \(3 px\)$/);
});

test('.pth checkpoints: hostile pickles, bombs, huge storages, truncations (zip and legacy)', () => {
  const files = [
    'evil_system.pth', 'evil_system_legacy.pth', 'evil_eval.pth', 'inst_opcode.pth', 'mark_bomb.pth', 'huge_storage.pth', 'huge_storage_legacy.pth', 'truncated.pth',
    'pth/reduce_subprocess.pth', 'pth/obj_opcode.pth', 'pth/build_on_type.pth', 'pth/reconstructor.pth', 'pth/broadcast_bomb.pth', 'pth/tuple_chain.pth', 'pth/legacy_view_oob.pth',
  ];
  for (const f of files) {
    const file = path.join(BAD, f);
    refuses(['info', file, ...heldout], file, /./);
  }
});

test('safetensors checkpoints with lying headers', () => {
  for (const f of ['header_past_end', 'offsets_overlap', 'offsets_past_end', 'dtype_shape_mismatch', 'not_json', 'bad_config']) {
    const file = path.join(BAD, 'safetensors', `${f}.safetensors`);
    refuses(['info', file], file, /./);
  }
});

test('.npy style codes: wrong dtype, shape, NaN, Inf, object arrays, code in the header', () => {
  for (const f of ['int_dtype', 'object_dtype', 'nan', 'inf', 'wrong_shape', 'code_in_header', 'truncated']) {
    const file = path.join(BAD, 'npy', `${f}.npy`);
    refuses(heldoutSynth('--z', file), file, /./);
  }
});

test('opt.txt: garbage, missing keys, and options that contradict the checkpoint', () => {
  for (const f of ['garbage', 'missing_label_nc', 'bad_bool', 'contradicts_label_nc', 'contradicts_kernel']) {
    const opt = path.join(BAD, 'opt', `${f}.txt`);
    const names = f.startsWith('contradicts') ? path.join(HELDOUT, 'G_legacy.pth') : opt;
    refuses(['info', path.join(HELDOUT, 'G_legacy.pth'), '--opt', opt], names, /./);
  }
});

test('style JSON: broken, wrong-typed, overflowing and deeply nested files', () => {
  for (const f of ['empty', 'not_json', 'wrong_format', 'mu_too_short', 'mu_overflow', 'deep_nesting', 'duplicate_names', 'no_styles']) {
    const file = path.join(BAD, 'style', `${f}.spade-style.json`);
    refuses(heldoutSynth('--style_json', file), file, /./);
  }
  // Accepted, with a one-line warning about the checkpoint it names (newlines and all).
  const file = path.join(BAD, 'style', 'multiline_identity.spade-style.json');
  const r = spawnSync(process.execPath, [CLI, ...heldoutSynth('--style_json', file)], { encoding: 'utf8', timeout: RUN_GUARD_MS });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^spade: warning: .*multiline_identity\.spade-style\.json: made by G\.pth spade: all good \(label set ade20k/m);
  assert.equal(r.stderr.trim().split('\n').filter((l) => l.startsWith('spade: ')).length, 1, r.stderr);
});

test('style JSON over the size cap: refused by its size, never read', () => {
  // A sparse 3 GiB file costs no disk. Reading it would fail differently (Node refuses files over
  // 2 GiB) or exhaust memory, so the size message shows the check comes before the read.
  const file = path.join(tmp, 'huge.spade-style.json');
  fs.writeFileSync(file, '{');
  fs.truncateSync(file, 3 * 1024 ** 3);
  refuses(heldoutSynth('--style_json', file), file, /style file is 3072\.0 MiB, more than the 16\.0 MiB a style set may be/);
  fs.rmSync(file);
});
