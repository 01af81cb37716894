// The .spade-style.json format and the style-code arithmetic behind the editor's Styles panel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeConfig } from '../../../src/model/config';
import { LANDSCAPES, labelSetFor } from '../../../src/model/io/label_sets';
import { MAX_STYLE_FILE_BYTES, checkStyleFileFits, checkStyleFileSize, configHash, findStyle, newStyleFile, parseStyleFile, serializeStyleFile, styleCode } from '../../../src/model/io/style_file';
import { distanceMatrix, lerpMu, meanL2, pca2, sampleCode, symmetricKl } from '../../../src/model/style_math';
import { SpadeInputError } from '../../../src/model/errors';

const cfg = makeConfig({ label_nc: 11, contain_dontcare_label: true, use_vae: true, z_dim: 5, ngf: 4 }, 'test');
const f32 = (xs: number[]) => Array.from(Float32Array.from(xs));

function sample(): string {
  const mu = Float32Array.from([0.1, -2.5e-7, 3.14159, 1e10, -0.333333343]);
  const lv = Float32Array.from([-1, -2, -3, 0.5, 1 / 3]);
  return serializeStyleFile(newStyleFile(cfg, LANDSCAPES, 'model.safetensors', [styleCode('sea', 'img/sea.png', mu, lv), styleCode('dune', 'dune.jpg', lv, mu)]));
}

function throwsAt(text: string, re: RegExp): void {
  assert.throws(() => parseStyleFile(text, 'x.spade-style.json'), (e: Error) => {
    assert.ok(e instanceof SpadeInputError, `SpadeInputError, got ${e}`);
    assert.match(e.message, /^x\.spade-style\.json: /);
    assert.match(e.message, re);
    assert.equal(e.message.split('\n').length, 1);
    return true;
  });
}

test('a style file round-trips float32 codes exactly, with the checkpoint identity', () => {
  const text = sample();
  const f = parseStyleFile(text, 'x.json');
  assert.equal(f.z_dim, 5);
  assert.deepEqual(f.checkpoint, { name: 'model.safetensors', label_set: 'landscapes', label_nc: 11, config_hash: configHash(cfg) });
  assert.deepEqual(f.styles.map((s) => [s.name, s.source]), [['sea', 'img/sea.png'], ['dune', 'dune.jpg']]);
  assert.deepEqual(Float32Array.from(f.styles[0].mu), Float32Array.from([0.1, -2.5e-7, 3.14159, 1e10, -0.333333343]));
  assert.deepEqual(Float32Array.from(f.styles[1].mu), Float32Array.from(f32([-1, -2, -3, 0.5, 1 / 3])));
  assert.equal(serializeStyleFile(f), text, 'serialize(parse(x)) == x');
  // Short decimals, not 17-digit doubles of the float32 values.
  assert.match(text, /"mu": \[0\.1,-2\.5e-7,3\.14159,/);
});

test('the config hash changes with the network options, not with training-only ones', () => {
  assert.equal(configHash(cfg), configHash(makeConfig({ ...cfg, lambda_kld: 1, ndf: 8 }, 't')));
  assert.notEqual(configHash(cfg), configHash(makeConfig({ ...cfg, ngf: 8 }, 't')));
  assert.notEqual(configHash(cfg), configHash(makeConfig({ ...cfg, norm_E: 'spectralbatch' }, 't')));
  assert.match(configHash(cfg), /^[0-9a-f]{16}$/);
});

test('validation names the file and the field', () => {
  const good = JSON.parse(sample());
  const edit = (f: (o: typeof good) => void) => {
    const o = JSON.parse(JSON.stringify(good));
    f(o);
    return JSON.stringify(o);
  };
  throwsAt('{"format": ', /not valid JSON/);
  throwsAt('[]', /\(top level\): expected an object/);
  throwsAt(edit((o) => (o.format = 'other/1')), /format: expected "spade-style\/1"/);
  throwsAt(edit((o) => (o.z_dim = 2.5)), /z_dim: expected a positive integer/);
  throwsAt(edit((o) => delete o.checkpoint), /checkpoint: expected an object/);
  throwsAt(edit((o) => (o.checkpoint.label_nc = 0)), /checkpoint\.label_nc/);
  throwsAt(edit((o) => (o.styles = {})), /styles: expected an array/);
  throwsAt(edit((o) => (o.styles[1].name = 'sea')), /styles\[1\]\.name: duplicate name "sea"/);
  throwsAt(edit((o) => (o.styles[0].name = ' ')), /styles\[0\]\.name: expected a non-empty string/);
  throwsAt(edit((o) => o.styles[1].mu.pop()), /styles\[1\]\.mu: expected 5 numbers \(z_dim\), got 4/);
  throwsAt(edit((o) => (o.styles[0].logvar[3] = 'x')), /styles\[0\]\.logvar\[3\]: expected a finite number, got "x"/);
  throwsAt(edit((o) => (o.styles[0].logvar[2] = null)), /styles\[0\]\.logvar\[2\]: expected a finite number, got null/);
  throwsAt(edit((o) => (o.styles[0].source = 3)), /styles\[0\]\.source: expected a string/);
});

test('size cap: a style file over MAX_STYLE_FILE_BYTES is refused by size, before parsing', () => {
  // Text over the cap is refused even when its JSON would parse: the check comes first.
  const padded = sample().replace('{', `{${' '.repeat(MAX_STYLE_FILE_BYTES)}`);
  throwsAt(padded, /style file is 16\.0 MiB, more than the 16\.0 MiB a style set may be .*; not read$/);
  assert.throws(() => checkStyleFileSize(3 * 1024 ** 3, 'huge.spade-style.json'), (e: Error) => /^huge\.spade-style\.json: style file is 3072\.0 MiB, more than the 16\.0 MiB/.test(e.message));
  checkStyleFileSize(MAX_STYLE_FILE_BYTES, 'at-cap.json'); // the cap itself is allowed
  // What the cap promises: 2000 styles at NVlabs' z_dim 256, written by our serializer with
  // worst-case numbers (9 significant digits and an exponent), fit under it.
  const z256 = makeConfig({ ...cfg, z_dim: 256 }, 't');
  const worst = Array.from({ length: 256 }, (_, i) => -1.23456789e-10 * (i + 1));
  const big = serializeStyleFile(newStyleFile(z256, LANDSCAPES, 'm', Array.from({ length: 2000 }, (_, k) => styleCode(`style ${k}`, `images/style_${k}.png`, worst, worst))));
  console.log(`2000 styles at z_dim 256: ${(big.length / 1024 / 1024).toFixed(1)} MiB of ${MAX_STYLE_FILE_BYTES / 1024 / 1024} MiB`);
  assert.ok(big.length <= MAX_STYLE_FILE_BYTES, `${big.length} bytes`);
  assert.equal(parseStyleFile(big, 'big.json').styles.length, 2000);
});

test('picking a style and checking it fits the model', () => {
  const f = parseStyleFile(sample(), 's.json');
  assert.equal(findStyle(f, 'dune', 's.json').source, 'dune.jpg');
  assert.throws(() => findStyle(f, undefined, 's.json'), /s\.json: holds 2 styles: pick one with --style_name \("sea", "dune"\)/);
  assert.throws(() => findStyle(f, 'lake', 's.json'), /no style named "lake"/);
  assert.equal(findStyle({ ...f, styles: [f.styles[1]] }, undefined, 's.json').name, 'dune');
  assert.equal(checkStyleFileFits(f, cfg, LANDSCAPES, 's.json'), null);
  assert.match(checkStyleFileFits(f, makeConfig({ ...cfg, ngf: 8 }, 't'), LANDSCAPES, 's.json') ?? '', /may paint differently/);
  assert.match(checkStyleFileFits(f, cfg, labelSetFor(11, true), 's.json') ?? '', /label set landscapes/);
  assert.throws(() => checkStyleFileFits(f, makeConfig({ ...cfg, z_dim: 6 }, 't'), LANDSCAPES, 's.json'), /s\.json: z_dim: the codes have 5 values but the model needs 6/);
  assert.throws(() => checkStyleFileFits(f, makeConfig({ ...cfg, use_vae: false }, 't'), LANDSCAPES, 's.json'), /use_vae/);
});

test('distances: mean L2 of mu and the symmetric KL of the Gaussians (closed forms)', () => {
  const a = { mu: [0, 1], logvar: [0, 0] };
  const b = { mu: [2, 1], logvar: [Math.log(4), 0] };
  assert.equal(meanL2(a, b), Math.sqrt(4 / 2));
  // dim 0: va=1, vb=4, d²=4: 1/4 + 4 - 2 + 4 (1 + 1/4) = 7.25; dim 1: 0. Halved.
  assert.ok(Math.abs(symmetricKl(a, b) - 7.25 / 2) < 1e-12);
  assert.equal(symmetricKl(a, b), symmetricKl(b, a));
  assert.equal(symmetricKl(b, b), 0);
  const m = distanceMatrix([a, b, a], 'l2');
  assert.deepEqual(m.map((r) => r.map((x) => +x.toFixed(6))), [[0, 1.414214, 0], [1.414214, 0, 1.414214], [0, 1.414214, 0]]);
});

test('PCA: points on a line land on the first axis with their spacing; 2-D spread keeps distances', () => {
  const dir = [0.6, 0, 0.8];
  const line = [-2, 0, 1, 5].map((t) => ({ mu: dir.map((d) => 3 + t * d), logvar: [0, 0, 0] }));
  const p = pca2(line);
  const mean = (-2 + 0 + 1 + 5) / 4;
  p.forEach(([x, y], i) => {
    assert.ok(Math.abs(Math.abs(x) - Math.abs([-2, 0, 1, 5][i] - mean)) < 1e-6, `x ${x}`);
    assert.ok(Math.abs(y) < 1e-6, `y ${y}`);
  });
  const square = [[0, 0, 0], [4, 0, 0], [0, 1, 0], [4, 1, 0]].map((mu) => ({ mu, logvar: [0, 0, 0] }));
  const q = pca2(square);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      const d = Math.hypot(q[i][0] - q[j][0], q[i][1] - q[j][1]);
      const want = Math.hypot(...square[i].mu.map((v, k) => v - square[j].mu[k]));
      assert.ok(Math.abs(d - want) < 1e-6, `distance ${i}-${j}: ${d} vs ${want}`);
    }
  }
  assert.deepEqual(pca2([]), []);
  assert.deepEqual(pca2([a0()]), [[0, 0]]);
});
const a0 = () => ({ mu: [1, 2], logvar: [0, 0] });

test('interpolation and seeded sampling from N(mu, sigma)', () => {
  const a = { mu: [0, 10], logvar: [0, 0] };
  const b = { mu: [4, -10], logvar: [0, 0] };
  assert.deepEqual(Array.from(lerpMu(a, b, 0.25)), [1, 5]);
  assert.deepEqual(Array.from(lerpMu(a, b, 1)), [4, -10]);
  const c = { mu: Array.from({ length: 4000 }, () => 2), logvar: Array.from({ length: 4000 }, () => Math.log(0.25)) };
  const s1 = sampleCode(c, 7);
  assert.deepEqual(s1, sampleCode(c, 7), 'same seed, same draw');
  assert.notDeepEqual(s1, sampleCode(c, 8));
  const m = s1.reduce((s, v) => s + v, 0) / s1.length;
  const sd = Math.sqrt(s1.reduce((s, v) => s + (v - m) ** 2, 0) / s1.length);
  assert.ok(Math.abs(m - 2) < 0.05 && Math.abs(sd - 0.5) < 0.05, `mean ${m}, sd ${sd}`);
});
