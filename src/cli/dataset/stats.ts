/** How often each class occurs in a generated dataset: share of pixels and of scenes. No fs. */
export class ClassStats {
  readonly pixels: Float64Array;
  readonly scenes: Uint32Array;
  private totalPixels = 0;
  private totalScenes = 0;

  constructor(readonly names: readonly string[]) {
    this.pixels = new Float64Array(names.length);
    this.scenes = new Uint32Array(names.length);
  }

  add(labels: Uint8Array): void {
    const counts = new Uint32Array(256);
    for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
    for (let c = 0; c < this.names.length; c++) {
      this.pixels[c] += counts[c];
      if (counts[c] > 0) this.scenes[c]++;
    }
    this.totalPixels += labels.length;
    this.totalScenes++;
  }

  /** Per class: fraction of all pixels and fraction of scenes that contain it. */
  summary(): { name: string; pixels: number; scenes: number }[] {
    return this.names.map((name, c) => ({
      name,
      pixels: this.totalPixels ? this.pixels[c] / this.totalPixels : 0,
      scenes: this.totalScenes ? this.scenes[c] / this.totalScenes : 0,
    }));
  }

  /** A small table for the terminal. */
  table(): string {
    const rows = this.summary().map((s) => `  ${s.name.padEnd(9)} ${(100 * s.pixels).toFixed(1).padStart(5)} %  ${(100 * s.scenes).toFixed(0).padStart(3)} %`);
    return ['  class     pixels  scenes', ...rows].join('\n');
  }
}
