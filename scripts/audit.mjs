#!/usr/bin/env node
// `npm run audit`: `npm audit --omit=dev` at the high level, for the production tree.
// Fails (exit 1) when the advisory service reports high or critical advisories. When the service
// cannot be asked at all (an offline mirror or a proxy that refuses npm's POST, as on our
// development machines: "405 Method Not Allowed"), it says so loudly and exits 0, because that
// says nothing about our dependencies; SPADE_AUDIT_STRICT=1 makes that a failure too.
import { spawnSync } from 'node:child_process';

const r = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
let report;
try {
  report = JSON.parse(r.stdout);
} catch {
  report = undefined;
}
const counts = report?.metadata?.vulnerabilities;
if (counts) {
  const bad = (counts.high ?? 0) + (counts.critical ?? 0);
  const summary = Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ');
  if (bad > 0) {
    const names = Object.entries(report.vulnerabilities ?? {})
      .filter(([, v]) => v.severity === 'high' || v.severity === 'critical').map(([k, v]) => `${k} (${v.severity})`);
    console.error(`[audit] FAIL: ${bad} high/critical advisories in production dependencies: ${names.join(', ')} (${summary})`);
    process.exit(1);
  }
  console.log(`[audit] ok: no high or critical advisories in production dependencies (${summary})`);
  process.exit(0);
}
const why = (report?.message ?? report?.error?.summary ?? r.stderr.trim().split('\n').filter((l) => !/Unknown user config/.test(l)).pop() ?? `exit ${r.status}`).split('\n')[0];
console.error(`[audit] WARNING: the npm advisory service could not be asked (${why}); dependencies NOT audited.`);
process.exit(process.env.SPADE_AUDIT_STRICT === '1' ? 1 : 0);
