/** What the Marketplace and the Extensions view need from the package: the manifest's fields, the icon, the licence. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { decode } from 'fast-png';

const manifest = JSON.parse(fs.readFileSync('package.json', 'utf8'));

test('the manifest names its icon, repository, bugs, keywords and banner', () => {
  assert.match(manifest.repository?.url ?? '', /^https:\/\//);
  assert.match(manifest.bugs?.url ?? '', /^https:\/\//);
  assert.ok(manifest.keywords?.length >= 3 && manifest.keywords.length <= 30, 'the Marketplace takes up to 30 keywords');
  assert.match(manifest.galleryBanner?.color ?? '', /^#[0-9a-f]{6}$/i);
  assert.ok(['dark', 'light'].includes(manifest.galleryBanner?.theme));
});

test('the icon is a PNG of at least 128x128 that the package carries', () => {
  const png = decode(fs.readFileSync(manifest.icon));
  assert.ok(png.width >= 128 && png.height === png.width, `${png.width}x${png.height}`);
  const ignore = fs.readFileSync('.vscodeignore', 'utf8');
  assert.match(ignore, /^!media\/\*\*$/m);
});

test('LICENSE is the MIT licence the manifest declares, and there is a changelog', () => {
  assert.equal(manifest.license, 'MIT');
  assert.match(fs.readFileSync('LICENSE', 'utf8'), /^MIT License/);
  assert.match(fs.readFileSync('CHANGELOG.md', 'utf8'), new RegExp(`## ${manifest.version.replace(/\./g, '\\.')}`));
});

test('packaging no longer skips the licence or the repository', () => {
  for (const f of ['scripts/package.mjs', 'test/vscode/run-e2e.mjs']) {
    const text = fs.readFileSync(f, 'utf8');
    assert.doesNotMatch(text, /--skip-license|--allow-missing-repository/, f);
  }
});

test('README images in the package resolve: each relative image is a packaged file', () => {
  const readme = fs.readFileSync('README.md', 'utf8');
  const ignore = fs.readFileSync('.vscodeignore', 'utf8');
  for (const [, src] of readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)) {
    if (/^https?:/.test(src)) continue;
    assert.ok(fs.existsSync(src), `${src} exists`);
    const packaged = ignore.includes(`!${src}`) || (src.startsWith('media/') && ignore.includes('!media/**'));
    assert.ok(packaged, `${src} goes into the .vsix (.vscodeignore)`);
  }
});
