/**
 * The styles being compared: each has a code (mu, logvar) once the worker has encoded it,
 * and maybe the image it came from (for the thumbnail). Names are unique, as the
 * `.spade-style.json` format requires.
 */
import type { StylePixels } from '../../shared/protocol';
import { thumbnail } from './pixels';

export interface StyleEntry {
  id: number;
  name: string;
  source: string;
  image?: StylePixels;
  thumb: HTMLCanvasElement | null;
  mu: Float32Array | null;
  logvar: Float32Array | null;
  error?: string;
}

export type ReadyStyle = StyleEntry & { mu: Float32Array; logvar: Float32Array };

export class StyleList {
  private nextId = 1;
  readonly entries: StyleEntry[] = [];

  add(name: string, source: string, image?: StylePixels, code?: { mu: Float32Array; logvar: Float32Array }): StyleEntry {
    const e: StyleEntry = {
      id: this.nextId++,
      name: this.uniqueName(name),
      source,
      image,
      thumb: image ? thumbnail(image) : null,
      mu: code?.mu ?? null,
      logvar: code?.logvar ?? null,
    };
    this.entries.push(e);
    return e;
  }

  remove(id: number): void {
    const i = this.entries.findIndex((e) => e.id === id);
    if (i >= 0) this.entries.splice(i, 1);
  }

  get(id: number): StyleEntry | undefined {
    return this.entries.find((e) => e.id === id);
  }

  ready(): ReadyStyle[] {
    return this.entries.filter((e): e is ReadyStyle => e.mu !== null && e.logvar !== null);
  }

  private uniqueName(name: string): string {
    const base = name.trim() || 'style';
    let n = base;
    for (let k = 2; this.entries.some((e) => e.name === n); k++) n = `${base} (${k})`;
    return n;
  }
}
