/**
 * Reads the `opt.txt` NVlabs writes beside its checkpoints:
 *   ----------------- Options ---------------
 *                 label_nc: 182                  [default: 13]
 *   ----------------- End -------------------
 * Keys we don't model (gpu_ids, dataset_mode, ...) are ignored; types come from DEFAULT_CONFIG.
 */
import { CONFIG_KEYS, DEFAULT_CONFIG, makeConfig, type ConfigKey, type SpadeConfig } from './config';
import { SpadeInputError } from './errors';

export function parseOptTxt(text: string, fileName: string): SpadeConfig {
  const lines = text.split(/\r?\n/);
  const values = new Map<string, string>();
  for (const raw of lines) {
    const line = raw.replace(/\t?\[default:.*\]\s*$/, '').trim();
    if (line === '' || line.startsWith('---')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*):\s*(.*)$/.exec(line);
    if (!m) throw new SpadeInputError(`not an NVlabs opt.txt: cannot read line '${raw.trim().slice(0, 60)}'`, fileName);
    values.set(m[1], m[2].trim());
  }
  if (values.size === 0) throw new SpadeInputError('not an NVlabs opt.txt: no "name: value" lines', fileName);
  for (const required of ['label_nc', 'ngf'] as const) {
    if (!values.has(required)) throw new SpadeInputError(`opt.txt has no '${required}' line`, fileName);
  }
  const partial: Partial<Record<ConfigKey, unknown>> = {};
  for (const key of CONFIG_KEYS) {
    const v = values.get(key);
    // Python's None (an option the run did not use, e.g. n_layers_D for a G-only run) = default.
    if (v !== undefined && v !== 'None') partial[key] = coerce(key, v, fileName);
  }
  return makeConfig(partial as Partial<SpadeConfig>, fileName);
}

/** Converts an opt.txt or flag string to the type of the option's default. */
export function coerce(key: ConfigKey, v: string, fileName: string): SpadeConfig[ConfigKey] {
  const def = DEFAULT_CONFIG[key];
  if (typeof def === 'boolean') {
    if (/^(true|1)$/i.test(v)) return true;
    if (/^(false|0)$/i.test(v)) return false;
    throw new SpadeInputError(`${key} must be True or False, got '${v}'`, fileName);
  }
  if (typeof def === 'number') {
    const n = Number(v);
    if (v === '' || !Number.isFinite(n)) throw new SpadeInputError(`${key} must be a number, got '${v}'`, fileName);
    return n;
  }
  return v;
}
