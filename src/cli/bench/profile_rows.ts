/**
 * `--profile`'s additions to a bench row (the counts and the null-backend host time) and the
 * table that prints them, with the shaders that dispatch most.
 */
import type { BenchRow } from './rows';
import type { ProfileResult } from './profile_job';

export function profileFields(p: ProfileResult): Partial<BenchRow> {
  const c = p.counts;
  return {
    dispatches: c.dispatches, uploads: c.uploads, upload_bytes: c.upload_bytes, submits: c.submits, readbacks: c.readbacks,
    pipelines_compiled: c.pipelines_compiled, programs: c.programs,
    ...(p.on_null_backend ? { null_host_ms: p.null_host_ms } : {}),
    ...(p.kernel_ms ? { kernel_ms: p.kernel_ms } : {}),
    ...(p.kernel_ms_note ? { kernel_ms_note: p.kernel_ms_note } : {}),
  };
}

const TOP_PROGRAMS = 6;

export function profileTable(rows: BenchRow[]): string {
  const lines = [
    '| config | backend | dispatches | uploads | upload bytes | submits | readbacks | pipelines compiled | null-backend host ms | top shaders |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    if (r.dispatches === undefined) continue;
    const top = Object.entries(r.programs ?? {}).sort((a, b) => b[1] - a[1]).slice(0, TOP_PROGRAMS).map(([k, v]) => `${k} ${v}`).join(', ');
    lines.push(`| ${r.config} | ${r.backend} | ${r.dispatches} | ${r.uploads} | ${r.upload_bytes} | ${r.submits} | ${r.readbacks} | ${r.pipelines_compiled} | ${r.null_host_ms === undefined ? '–' : r.null_host_ms.toFixed(0)} | ${top} |`);
  }
  // GPU time by kernel, where it was asked for (SPADE_PROFILE_KERNEL_MS=1), or why there is none.
  for (const r of rows) {
    if (r.kernel_ms) {
      const top = Object.entries(r.kernel_ms).sort((a, b) => b[1] - a[1]).slice(0, TOP_PROGRAMS).map(([k, v]) => `${k} ${v.toFixed(2)}`);
      lines.push('', `${r.config} × ${r.backend}, GPU ms by kernel (timestamp queries): ${top.join(', ')}`);
    } else if (r.kernel_ms_note) lines.push('', `${r.config} × ${r.backend}: no GPU ms by kernel: ${r.kernel_ms_note}`);
  }
  return lines.join('\n');
}
