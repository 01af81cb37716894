/**
 * `*.spade-style.json`: fast-check round-trips valid files, then puts hostile JSON in every field
 * (wrong types, 1e999 which parses to Infinity, nesting deep enough to overflow a recursive
 * printer, huge strings and arrays, newlines in the checkpoint identity), truncates and edits
 * valid text, and feeds plain garbage. Each input goes where the CLI and the editor send it:
 * parseStyleFile, then checkStyleFileFits against a model and findStyle. A warning, like an
 * error, must be one line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { makeConfig } from '../../../src/model/config';
import { LANDSCAPES } from '../../../src/model/io/label_sets';
import { checkStyleFileFits, findStyle, newStyleFile, parseStyleFile, serializeStyleFile, styleCode, type StyleFile } from '../../../src/model/io/style_file';
import { finish, input, reportFailure, runCase } from '../cases';

const FILE = 'fuzz.spade-style.json';
const opts = { numRuns: input.numRuns, seed: input.seed, endOnFailure: true };
const Z = 4;
const cfg = makeConfig({ label_nc: 11, contain_dontcare_label: true, use_vae: true, z_dim: Z, ngf: 4 }, 'fuzz');

/** What synth --style_json and the Styles panel do with a file's text. */
function use(text: string, file: string, name?: string): StyleFile {
  const f = parseStyleFile(text, file);
  const warning = checkStyleFileFits(f, cfg, LANDSCAPES, file);
  if (warning !== null && (warning.includes('\n') || !warning.startsWith(`${file}: `))) throw new Error(`bad warning: ${JSON.stringify(warning.slice(0, 200))}`);
  findStyle(f, name, file);
  return f;
}

const vecArb = fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: Z, maxLength: Z });
const stylesArb = fc.uniqueArray(
  fc.record({ name: fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim() !== ''), source: fc.string({ maxLength: 12 }), mu: vecArb, logvar: vecArb }),
  { selector: (s) => s.name, minLength: 1, maxLength: 4 },
);

// 1. Valid files round-trip exactly (as float32: the parser keeps the decimal's double, the
// model reads float32), and every style can be picked by name.
fc.check(
  fc.property(stylesArb, fc.string({ maxLength: 20 }), (styles, ckName) => {
    const text = serializeStyleFile(
      newStyleFile(
        cfg,
        LANDSCAPES,
        ckName,
        styles.map((s) => styleCode(s.name, s.source, s.mu, s.logvar)),
      ),
    );
    return runCase(`valid, ${styles.length} styles`, FILE, () => {
      const f = use(text, FILE, styles[styles.length - 1].name);
      if (serializeStyleFile(f) !== text) throw new Error('serialize(parse(x)) != x');
      for (const [i, s] of styles.entries()) {
        if (findStyle(f, s.name, FILE).mu.some((v, j) => Math.fround(v) !== Math.fround(styles[i].mu[j]))) throw new Error(`style ${i} changed`);
      }
    });
  }),
  opts,
);

const good = JSON.parse(serializeStyleFile(newStyleFile(cfg, LANDSCAPES, 'model.safetensors', [
  styleCode('sea', 'sea.png', [0.5, -1, 2, 0], [-1, -2, -3, -4]),
  styleCode('dune', 'dune.jpg', [1, 1, 1, 1], [0, 0, 0, 0]),
]))) as Record<string, unknown>;

// 2. One field replaced by hostile JSON text (or removed). The text goes in raw, so values JSON
// cannot build from objects (1e999, nesting 100k deep) reach the parser.
const HOLE = '\u0000hole\u0000';
const FIELDS = ['format', 'z_dim', 'checkpoint', 'checkpoint.name', 'checkpoint.label_set', 'checkpoint.label_nc', 'checkpoint.config_hash', 'styles', 'styles.0', 'styles.1', 'styles.0.name', 'styles.1.name', 'styles.0.source', 'styles.0.mu', 'styles.1.logvar', 'styles.0.mu.0', 'styles.1.logvar.3'];
const rawArb = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '1e999', '-1e999', '-0', '1.5', '0', '-1', '65537', '9007199254740993', '1e308', 'null', 'true', '""', '"   "', '"sea"', '"spade-style/1"', '"x\\ny\\rz"',
      '"__proto__"', '{"__proto__": {"polluted": 1}}', '[1, 2, 3, 4]', '[1, 2, 3]', '["1", "2", "3", "4"]', '[1e999, 0, 0, 0]', '[null, 0, 0, 0]', '[[1], 2, 3, 4]', '{}', '[]',
      '"' + 'x'.repeat(5000) + '"', '[' + Array(70_000).fill('0').join(',') + ']', '['.repeat(100_000) + ']'.repeat(100_000), '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000),
    ),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
fc.check(
  fc.property(fc.constantFrom(...FIELDS), rawArb, (field, raw) => {
    const o = JSON.parse(JSON.stringify(good)) as Record<string, unknown>;
    const keys = field.split('.');
    let at = o as Record<string, unknown>;
    for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
    const last = keys[keys.length - 1];
    if (raw === undefined) delete at[last];
    else at[last] = HOLE;
    const text =
      raw === undefined ? JSON.stringify(o, null, 1) : JSON.stringify(o, null, 1).replace(JSON.stringify(HOLE), () => raw);
    return runCase(`${field} = ${raw === undefined ? '(removed)' : raw.slice(0, 60)}`, FILE, () => use(text, FILE, 'sea'));
  }),
  opts,
);

// 3. Valid text cut short or with one character changed, and plain garbage.
const goodText = serializeStyleFile(good as unknown as StyleFile);
fc.check(
  fc.property(
    fc.nat(goodText.length - 1),
    fc.option(fc.string({ minLength: 1, maxLength: 3 }), { nil: undefined }),
    (i, edit) => {
      const text = edit === undefined ? goodText.slice(0, i) : goodText.slice(0, i) + edit + goodText.slice(i + 1);
      return runCase(edit === undefined ? `cut at ${i}` : `char ${i} -> ${JSON.stringify(edit)}`, FILE, () =>
        use(text, FILE, 'dune'),
      );
    },
  ),
  opts,
);
fc.check(
  fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }).map((b) => new TextDecoder('latin1').decode(b)), fc.json({ maxDepth: 4 })), (text) => {
    return runCase(`text ${JSON.stringify(text.slice(0, 60))}`, FILE, () => use(text, FILE), /./);
  }),
  opts,
);

// 4. Many styles: the cap is checked before anything is built from them.
runCase('10001 styles', FILE, () => use(JSON.stringify({ ...good, styles: Array(10_001).fill(0) }), FILE), /10001 entries, more than the 10000 allowed/);

// 5. The hand-made corpus (test/fixtures/bad/style), against a z_dim 64 model.
const CORPUS = path.join(__dirname, '..', '..', 'fixtures', 'bad', 'style');
const cfg64 = makeConfig({ ...cfg, z_dim: 64 }, 'fuzz');
export const STYLE_CORPUS: Record<string, RegExp | null> = {
  'empty.spade-style.json': /not valid JSON \(Unexpected end of JSON input\)/,
  'not_json.spade-style.json': /not valid JSON \(.*is not valid JSON\)$/,
  'top_level_array.spade-style.json': /\(top level\): expected an object/,
  'wrong_format.spade-style.json': /format: expected "spade-style\/1", got "spade-style\/9"/,
  'z_dim_string.spade-style.json': /z_dim: expected a positive integer, got "64"/,
  'mu_too_short.spade-style.json': /styles\[0\]\.mu: expected 64 numbers \(z_dim\), got 63/,
  'mu_overflow.spade-style.json': /styles\[0\]\.mu\[0\]: expected a finite number, got Infinity/,
  'logvar_string.spade-style.json': /styles\[0\]\.logvar\[0\]: expected a finite number, got "-1"/,
  'duplicate_names.spade-style.json': /styles\[1\]\.name: duplicate name "sea"/,
  'no_styles.spade-style.json': /styles: the file holds no style codes/,
  'deep_nesting.spade-style.json': /styles\[0\]\.logvar\[0\]: expected a finite number, got an array of 1$/,
  // Parses; the identity it claims is printed in the mismatch warning, on one line.
  'multiline_identity.spade-style.json': null,
};
for (const [name, want] of Object.entries(STYLE_CORPUS)) {
  const text = fs.readFileSync(path.join(CORPUS, name), 'utf8');
  runCase(`corpus ${name}`, name, () => {
    const f = parseStyleFile(text, name);
    const warning = checkStyleFileFits(f, cfg64, LANDSCAPES, name);
    if (warning !== null && warning.includes('\n')) throw new Error(`multi-line warning: ${JSON.stringify(warning)}`);
    findStyle(f, undefined, name);
  }, want ?? undefined);
}
const listed = new Set(Object.keys(STYLE_CORPUS));
for (const f of fs.readdirSync(CORPUS)) if (!listed.has(f)) reportFailure(`style corpus file ${f} has no expectation`);

finish();
