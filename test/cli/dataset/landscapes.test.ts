// The procedural landscape dataset: layout + renderer (src/cli/dataset) and `spade dataset landscapes`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { decode as decodePng } from 'fast-png';
import { LANDSCAPES, labelSetByName } from '../../../src/model/io/label_sets';
import { decodeLabelMap } from '../../../src/model/io/label_png';
import { CLS, makeLayout } from '../../../src/cli/dataset/layout';
import { renderScene } from '../../../src/cli/dataset/render';
import { sceneSeed } from '../../../src/cli/dataset/noise';
import { ClassStats } from '../../../src/cli/dataset/stats';
import { landscapePair, stemOf } from '../../../src/cli/dataset/writer';
import { datasetOptions } from '../../../src/cli/commands/dataset';
import { throwsInput } from '../../helpers/throws_input';
import { assertBadInput } from '../../helpers/cli';
import { ROOT } from '../../helpers/paths';

const NC = LANDSCAPES.names.length;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-landscapes-'));
const CLI = path.join(ROOT, 'src', 'cli', 'index.ts');

function spade(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('LANDSCAPES label set: 11 named classes with distinct colours, dontcare 255, findable by name', () => {
  assert.equal(LANDSCAPES.name, 'landscapes');
  assert.deepEqual(LANDSCAPES.names, ['sky', 'cloud', 'mountain', 'snow', 'rock', 'water', 'grass', 'flower', 'tree', 'dirt', 'sand']);
  assert.equal(LANDSCAPES.colors.length, NC);
  assert.equal(LANDSCAPES.dontcareId, 255);
  assert.equal(labelSetByName('landscapes'), LANDSCAPES);
  assert.equal(labelSetByName('coco-stuff')?.names.length, 182);
  assert.equal(labelSetByName('toString'), undefined);
  let closest = Infinity;
  for (let a = 0; a < NC; a++) {
    for (let b = a + 1; b < NC; b++) {
      const [p, q] = [LANDSCAPES.colors[a], LANDSCAPES.colors[b]];
      closest = Math.min(closest, Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]));
    }
  }
  assert.ok(closest >= 50, `display colours at least 50 apart in RGB (closest ${closest.toFixed(1)})`);
  for (const [name, id] of Object.entries(CLS)) assert.equal(LANDSCAPES.names[id], name, `generator id of ${name}`);
});

test('same seed and index -> identical PNG bytes; another seed or index -> a different scene', () => {
  const a = landscapePair(7, 3, 128, 96);
  const b = landscapePair(7, 3, 128, 96);
  assert.deepEqual(a.image, b.image);
  assert.deepEqual(a.label, b.label);
  const c = landscapePair(8, 3, 128, 96);
  const d = landscapePair(7, 4, 128, 96);
  assert.notDeepEqual(c.labels, a.labels);
  assert.notDeepEqual(d.labels, a.labels);
  assert.notDeepEqual(c.image, a.image);
  // Nothing carried over between scenes in one process: a fresh scene 3 after others is the same.
  landscapePair(123, 0, 64, 64);
  assert.deepEqual(landscapePair(7, 3, 128, 96).image, a.image);
});

test('PNG pairs: RGB image and 8-bit grayscale label of the same size, ids all in the label set', () => {
  for (const [w, h] of [[256, 256], [256, 128], [96, 192]]) {
    const p = landscapePair(1, 0, w, h);
    const img = decodePng(p.image);
    assert.deepEqual([img.width, img.height, img.channels, img.depth], [w, h, 3, 8]);
    const lab = decodeLabelMap(p.label, 'label.png');
    assert.deepEqual([lab.width, lab.height], [w, h]);
    assert.deepEqual(lab.encoding, { kind: 'gray', bitDepth: 8 });
    for (const id of lab.ids) assert.ok(id >= 0 && id < NC, `id ${id}`);
  }
});

test('every class occurs, in a good share of scenes (class frequencies printed)', () => {
  const N = 60;
  const stats = new ClassStats(LANDSCAPES.names);
  for (let i = 0; i < N; i++) stats.add(makeLayout(sceneSeed(2024, i), 128, 128).labels);
  console.log(`class frequencies over ${N} scenes at 128x128:\n${stats.table()}`);
  for (const s of stats.summary()) {
    assert.ok(s.scenes >= 0.25, `${s.name} is in ${(100 * s.scenes).toFixed(0)} % of scenes (want >= 25 %)`);
    assert.ok(s.pixels >= 0.005, `${s.name} covers ${(100 * s.pixels).toFixed(2)} % of pixels (want >= 0.5 %)`);
  }
  const sky = stats.summary()[CLS.sky];
  assert.equal(sky.scenes, 1, 'every scene has sky');
});

test('property: any seed, size and aspect gives a complete, valid layout and picture', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      fc.integer({ min: 16, max: 160 }),
      fc.integer({ min: 16, max: 160 }),
      (seed, w, h) => {
        const scene = makeLayout(seed, w, h);
        assert.equal(scene.labels.length, w * h);
        for (const id of scene.labels) if (id >= NC) return false;
        const { rgb } = renderScene(scene);
        assert.equal(rgb.length, w * h * 3);
        return scene.labels.includes(CLS.sky);
      },
    ),
    { numRuns: 40, seed: 42 },
  );
});

test('separability: a per-pixel classifier on colour and local contrast recognises the classes (accuracy printed)', () => {
  // Features of each pixel whose 3x3 window is one class: mean RGB, chromaticity (r, g over
  // r + g + b) and the window's luminance deviation. A diagonal Gaussian per class (naive Bayes)
  // is fitted on 24 scenes and tested on 24 others. It sees no context at all (a segmentation
  // network does), so this is a floor on how recognisable each class is from its look alone.
  const S = 128;
  const F = 6;
  const features = (seed: number, each: (cls: number, f: Float64Array) => void) => {
    const scene = makeLayout(sceneSeed(99, seed), S, S);
    const { rgb } = renderScene(scene);
    const labels = scene.labels;
    const f = new Float64Array(F);
    for (let y = 1; y < S - 1; y += 2) {
      for (let x = 1; x < S - 1; x += 2) {
        const c = labels[y * S + x];
        let pure = true;
        let r = 0, g = 0, b = 0, l = 0, l2 = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const i = (y + dy) * S + x + dx;
            if (labels[i] !== c) pure = false;
            const R = rgb[i * 3], G = rgb[i * 3 + 1], B = rgb[i * 3 + 2];
            r += R; g += G; b += B;
            const L = 0.3 * R + 0.59 * G + 0.11 * B;
            l += L; l2 += L * L;
          }
        }
        if (!pure) continue;
        const sum = r + g + b + 1;
        f.set([r / 9, g / 9, b / 9, (300 * r) / sum, (300 * g) / sum, 2 * Math.sqrt(Math.max(0, l2 / 9 - (l / 9) ** 2))]);
        each(c, f);
      }
    }
  };
  const n = new Float64Array(NC);
  const s1 = Array.from({ length: NC }, () => new Float64Array(F));
  const s2 = Array.from({ length: NC }, () => new Float64Array(F));
  for (let i = 0; i < 24; i++) {
    features(i, (c, f) => {
      n[c]++;
      for (let k = 0; k < F; k++) {
        s1[c][k] += f[k];
        s2[c][k] += f[k] * f[k];
      }
    });
  }
  const mean = s1.map((s, c) => s.map((v) => v / Math.max(n[c], 1)));
  const vari = s2.map((s, c) => s.map((v, k) => v / Math.max(n[c], 1) - mean[c][k] ** 2 + 1));
  const hit = new Float64Array(NC);
  const seen = new Float64Array(NC);
  for (let i = 24; i < 48; i++) {
    features(i, (c, f) => {
      let best = -1;
      let bestD = Infinity;
      for (let k = 0; k < NC; k++) {
        if (!n[k]) continue;
        let d = 0;
        for (let j = 0; j < F; j++) d += (f[j] - mean[k][j]) ** 2 / vari[k][j] + Math.log(vari[k][j]);
        if (d < bestD) [best, bestD] = [k, d];
      }
      seen[c]++;
      if (best === c) hit[c]++;
    });
  }
  const acc = hit.reduce((a, b) => a + b) / seen.reduce((a, b) => a + b);
  const recall = LANDSCAPES.names.map((_, c) => (seen[c] ? hit[c] / seen[c] : 0));
  const meanRecall = recall.reduce((a, b) => a + b) / NC;
  console.log(`per-pixel naive Bayes: accuracy ${(100 * acc).toFixed(1)} %, mean per-class recall ${(100 * meanRecall).toFixed(1)} % ` +
    `(chance ${(100 / NC).toFixed(1)} %); recall by class: ${LANDSCAPES.names.map((name, c) => `${name} ${(100 * recall[c]).toFixed(0)} %`).join(', ')}`);
  assert.ok(acc >= 0.55, `pixel accuracy ${(100 * acc).toFixed(1)} %`);
  assert.ok(meanRecall >= 0.5, `mean per-class recall ${(100 * meanRecall).toFixed(1)} %`);
  for (let c = 0; c < NC; c++) assert.ok(recall[c] >= 0.25, `${LANDSCAPES.names[c]} recall ${(100 * recall[c]).toFixed(0)} %`);
});

test('CLI: spade dataset landscapes writes images/, labels/ and landscapes.json; reruns only over its own output', () => {
  const out = path.join(tmp, 'ds');
  let r = spade('dataset', 'landscapes', '--count', '4', '--size', '64', '--aspect', '2', '--seed', '11', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /pairs\/min/);
  assert.match(r.stdout, /sky\s+[\d.]+ %\s+100 %/);
  const stems = ['00000', '00001', '00002', '00003'];
  assert.deepEqual(fs.readdirSync(path.join(out, 'images')).sort(), stems.map((s) => `${s}.png`));
  assert.deepEqual(fs.readdirSync(path.join(out, 'labels')).sort(), stems.map((s) => `${s}.png`));
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'landscapes.json'), 'utf8'));
  assert.equal(manifest.complete, true);
  assert.deepEqual([manifest.width, manifest.height, manifest.count, manifest.seed], [64, 32, 4, 11]);
  assert.deepEqual(manifest.label_set.names, LANDSCAPES.names);
  // The files are exactly the pairs of (seed, index), whatever the count.
  assert.deepEqual(new Uint8Array(fs.readFileSync(path.join(out, 'images', '00002.png'))), landscapePair(11, 2, 64, 32).image);
  assert.deepEqual(new Uint8Array(fs.readFileSync(path.join(out, 'labels', '00003.png'))), landscapePair(11, 3, 64, 32).label);
  assert.deepEqual(fs.readdirSync(out).filter((f) => f.endsWith('.tmp')), []);

  // Its own output may be regenerated; pairs beyond the new count go, other files stay.
  fs.writeFileSync(path.join(out, 'notes.txt'), 'mine');
  r = spade('dataset', 'landscapes', '--count', '2', '--size', '64', '--aspect', '2', '--seed', '11', '-o', out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /removed 2 stale pairs/);
  assert.deepEqual(fs.readdirSync(path.join(out, 'images')).sort(), ['00000.png', '00001.png']);
  assert.deepEqual(fs.readdirSync(path.join(out, 'labels')).sort(), ['00000.png', '00001.png']);
  assert.equal(fs.readFileSync(path.join(out, 'notes.txt'), 'utf8'), 'mine');

  // Someone else's folder: refused, untouched; --force writes into it and deletes nothing.
  const foreign = path.join(tmp, 'photos');
  fs.mkdirSync(path.join(foreign, 'images'), { recursive: true });
  fs.writeFileSync(path.join(foreign, 'images', '00000.png'), 'holiday');
  fs.writeFileSync(path.join(foreign, 'images', '00009.png'), 'beach');
  assertBadInput(spade('dataset', 'landscapes', '--count', '1', '--size', '32', '--out', foreign), foreign, /not empty.*--force/);
  assert.equal(fs.readFileSync(path.join(foreign, 'images', '00000.png'), 'utf8'), 'holiday');
  assert.equal(fs.existsSync(path.join(foreign, 'landscapes.json')), false);
  r = spade('dataset', 'landscapes', '--count', '1', '--size', '32', '--out', foreign, '--force');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(decodePng(fs.readFileSync(path.join(foreign, 'images', '00000.png'))).width, 32);
  assert.equal(fs.readFileSync(path.join(foreign, 'images', '00009.png'), 'utf8'), 'beach');
});

test('CLI: bad flags and unusable output folders are one-line input errors (exit 2), and nothing is written', () => {
  const out = path.join(tmp, 'bad');
  assertBadInput(spade('dataset', 'landscapes', '--count', '0', '--out', out), '--count', /integer from 1/);
  assertBadInput(spade('dataset', 'landscapes', '--count', '2', '--out', path.join(tmp, 'no', 'such', 'dir')), path.join(tmp, 'no', 'such'), /parent does not exist/);
  const file = path.join(tmp, 'a-file');
  fs.writeFileSync(file, 'x');
  assertBadInput(spade('dataset', 'landscapes', '--count', '2', '--out', file), file, /not a folder/);
  assert.equal(fs.readFileSync(file, 'utf8'), 'x');
  assert.equal(fs.existsSync(out), false, 'nothing was created');
});

test('dataset flags: each bad value is refused by name', () => {
  const ok = { out: 'x', count: '3' };
  assert.deepEqual(datasetOptions('landscapes', ok), { out: 'x', count: 3, width: 256, height: 256, seed: 0, force: false });
  assert.deepEqual(datasetOptions('landscapes', { ...ok, size: '256', aspect: '2', seed: '4294967295', force: true }),
    { out: 'x', count: 3, width: 256, height: 128, seed: 4294967295, force: true });
  // Height = round(size / aspect), half to even as in NVlabs (Python's round): 18.5 -> 18, 19.5 -> 20.
  assert.equal(datasetOptions('landscapes', { ...ok, size: '74', aspect: '4' }).height, 18);
  assert.equal(datasetOptions('landscapes', { ...ok, size: '78', aspect: '4' }).height, 20);
  throwsInput(() => datasetOptions('cities', ok), /unknown dataset generator 'cities'/);
  throwsInput(() => datasetOptions('landscapes', { count: '3' }), /missing --out/);
  throwsInput(() => datasetOptions('landscapes', { out: 'x' }), /missing --count/);
  throwsInput(() => datasetOptions('landscapes', { ...ok, count: '2.5' }), /--count must be an integer from 1 to 1000000, got '2.5'/);
  throwsInput(() => datasetOptions('landscapes', { ...ok, count: '1e3' }), /--count/);
  throwsInput(() => datasetOptions('landscapes', { ...ok, size: '8' }), /--size must be an integer from 16/);
  throwsInput(() => datasetOptions('landscapes', { ...ok, seed: '4294967296' }), /--seed must be an integer from 0 to 4294967295/);
  throwsInput(() => datasetOptions('landscapes', { ...ok, seed: '-1' }), /--seed/);
  throwsInput(() => datasetOptions('landscapes', { ...ok, aspect: 'wide' }), /--aspect must be a number from 0.25 to 4/);
  throwsInput(() => datasetOptions('landscapes', { ...ok, aspect: '0' }), /--aspect/);
  throwsInput(() => datasetOptions('landscapes', { ...ok, size: '40', aspect: '4' }), /height of 10 px; the least is 16/);
});

test('stems are zero-padded to 5 digits, wider for larger datasets', () => {
  assert.equal(stemOf(0, 10), '00000');
  assert.equal(stemOf(99_999, 100_000), '99999');
  assert.equal(stemOf(7, 100_001), '000007');
});
