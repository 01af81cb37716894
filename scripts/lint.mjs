// npm run lint: ESLint with tools/lint's own packages (typescript-eslint needs TypeScript 5, the
// project builds with TypeScript 7), installed from their lockfile on first use.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tools = path.join(root, 'tools', 'lint');
const eslint = path.join(tools, 'node_modules', 'eslint', 'bin', 'eslint.js');
const stamp = path.join(tools, 'node_modules', '.package-lock.json');
const lock = path.join(tools, 'package-lock.json');
if (!fs.existsSync(eslint) || !fs.existsSync(stamp) || fs.statSync(stamp).mtimeMs < fs.statSync(lock).mtimeMs) {
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: tools, stdio: 'inherit' });
}
try {
  execFileSync(process.execPath, [eslint, '-c', path.join(tools, 'eslint.config.mjs'), '--max-warnings', '0', ...process.argv.slice(2), '.'], {
    cwd: root,
    stdio: 'inherit',
  });
} catch {
  process.exit(1);
}
