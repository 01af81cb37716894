/**
 * Browser rows of `spade bench --browser`: the generator in headless Chromium (Debian's, via
 * playwright-core, flags as in TESTING.md §2) on WebGPU (SwiftShader), WebGL (ANGLE on
 * SwiftShader) and wasm (the webview's CPU backend). A fresh browser per backend, so the cold
 * figure includes shader compilation. Files are served from 127.0.0.1 only.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { BenchPageGlobal, PageJob, PageResult } from '../../bench/page_job';
import type { BenchInputs } from './inputs';
import { median } from '../../bench/stats';
import { liveRows, type LiveRow } from '../../bench/live';
import { skippedRow, type BenchRow, type RowBase } from './rows';

export const BROWSER_BACKENDS = ['browser-webgpu', 'browser-webgl', 'browser-wasm'] as const;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless=new', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-unsafe-webgpu'];


/** dist/bench_page.js beside the bundle, or in dist/ of the source tree. */
function pageScript(): string | null {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  for (const p of [path.join(here, 'bench_page.js'), path.join(here, '..', '..', '..', 'dist', 'bench_page.js')]) if (fs.existsSync(p)) return p;
  return null;
}

function serve(files: Map<string, string>): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const route = (req.url ?? '').split('?')[0];
    const file = files.get(route);
    if (route === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><meta charset="utf-8"><script src="/bench_page.js"></script>');
    } else if (file) {
      res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : file.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream' });
      fs.createReadStream(file).pipe(res);
    } else res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export async function runBrowserRows(
  base: RowBase,
  backends: readonly string[],
  inputs: BenchInputs,
  runs: number,
  timeoutS: (backend: string) => number,
): Promise<BenchRow[]> {
  return (await runPages(backends, inputs, runs, false, timeoutS)).map(({ backend, result: r, version, error }) =>
    r
      ? {
          ...base,
          backend,
          runtime: 'tfjs',
          fwd_ms_median: median(r.ms_all.length ? r.ms_all : [r.ms_cold]),
          fwd_ms_cold: r.ms_cold,
          peak_mb: r.tensor_peak_mb,
          peak_kind: r.tensor_peak_mb === null ? null : 'tensors',
          tensor_peak_mb: r.tensor_peak_mb,
          ratio_vs_pytorch: null,
          note: `Chromium ${version}: ${r.backend_info}`,
        }
      : skippedRow(base, backend, 'tfjs', error!),
  );
}

/**
 * The live rows (`--cached_modulation`) in Chromium: the same measurements as in Node
 * (src/bench/live.ts), so each stroke frame is also checked against its full frame on
 * WebGL, WebGPU and wasm in the browser. A backend that fails gives no rows, only `onError`.
 */
export async function runBrowserLive(
  config: string,
  backends: readonly string[],
  inputs: BenchInputs,
  runs: number,
  timeoutS: (backend: string) => number,
  onError: (backend: string, why: string) => void,
): Promise<LiveRow[]> {
  const out: LiveRow[] = [];
  for (const { backend, result, error } of await runPages(backends, inputs, runs, true, timeoutS)) {
    if (result?.live) out.push(...liveRows(config, backend, result.live));
    else onError(backend, error ?? 'no live result');
  }
  return out;
}

interface PageOutcome {
  backend: string;
  result?: PageResult;
  version?: string;
  error?: string;
}

/** Runs the page's job on each backend, in a fresh browser each. */
async function runPages(
  backends: readonly string[],
  inputs: BenchInputs,
  runs: number,
  live: boolean,
  timeoutS: (backend: string) => number,
): Promise<PageOutcome[]> {
  const script = pageScript();
  if (!script) return backends.map((backend) => ({ backend, error: 'skipped (dist/bench_page.js missing: npm run build)' }));
  if (!fs.existsSync(CHROMIUM))
    return backends.map((backend) => ({ backend, error: `skipped (${CHROMIUM} not found: apt-get install chromium)` }));
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    return backends.map((backend) => ({ backend, error: 'skipped (playwright-core not installed)' }));
  }
  const files = new Map<string, string>([['/bench_page.js', script]]);
  // The wasm backend's binaries, which the build copies beside the bundles.
  for (const f of fs.readdirSync(path.dirname(script)).filter((f) => f.endsWith('.wasm')))
    files.set(`/${f}`, path.join(path.dirname(script), f));
  const url = (file: string | undefined) => {
    if (!file) return undefined;
    files.set(`/f/${path.basename(file)}`, file);
    return `/f/${path.basename(file)}`;
  };
  const job: Omit<PageJob, 'backend'> = {
    runs,
    checkpoint: url(inputs.checkpoint)!,
    labels: url(inputs.labels)!,
    instances: url(inputs.instances),
    z: url(inputs.z),
    live,
  };
  const server = await serve(files);
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const outcomes: PageOutcome[] = [];
  try {
    for (const backend of backends) {
      const home = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-bench-chromium-'));
      const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: home, XDG_CACHE_HOME: home } as Record<string, string>;
      // playwright gives every launch a fresh, empty profile of its own.
      let browser: Awaited<ReturnType<typeof chromium.launch>> | null = null;
      try {
        browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS, env });
        const page = await browser.newPage();
        // The fused SPADE kernel's A/B switch (nn/fused_spade.ts) reaches the page as a TF.js URL flag.
        await page.goto(
          process.env.SPADE_FUSED_MODULATION === '0' ? `${origin}/?tfjsflags=SPADE_FUSED_MODULATION:false` : `${origin}/`,
        );
        const name = backend.replace('browser-', '') as PageJob['backend'];
        let timer: NodeJS.Timeout | undefined;
        const limit = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${timeoutS(backend)} s`)), timeoutS(backend) * 1000);
        });
        const run = page.evaluate((j) => (globalThis as typeof globalThis & BenchPageGlobal).spadeBench(j), {
          ...job,
          backend: name,
        });
        const result = (await Promise.race([run, limit]).finally(() => clearTimeout(timer))) as PageResult;
        outcomes.push({ backend, result, version: browser.version() });
      } catch (e) {
        outcomes.push({ backend, error: `failed (${((e as Error).message ?? String(e)).split('\n')[0].slice(0, 160)})` });
      } finally {
        await browser?.close();
        fs.rmSync(home, { recursive: true, force: true });
      }
    }
  } finally {
    server.close();
  }
  return outcomes;
}
