/**
 * The numbers behind `spade eval`: a confusion matrix over the label set's classes (dontcare
 * and any id past the last class are ignored), per-class IoU, mean IoU and pixel accuracy,
 * and per-class colour histograms compared with the Hellinger distance.
 */

export class ConfusionMatrix {
  /** counts[gt * k + pred] */
  readonly counts: Float64Array;

  constructor(readonly k: number) {
    this.counts = new Float64Array(k * k);
  }

  /** Adds one image; pixels whose ground truth is not a class id in 0..k-1 (dontcare) are skipped. */
  add(gt: ArrayLike<number>, pred: ArrayLike<number>): void {
    if (gt.length !== pred.length) throw new Error(`internal: ${gt.length} labels but ${pred.length} predictions`);
    const k = this.k;
    for (let i = 0; i < gt.length; i++) {
      const g = gt[i];
      if (g < 0 || g >= k) continue;
      const p = pred[i];
      if (p < 0 || p >= k) throw new Error(`internal: predicted class ${p} outside 0..${k - 1}`);
      this.counts[g * k + p]++;
    }
  }

  /** Ground-truth pixels of class c (the row sum). */
  gtCount(c: number): number {
    let s = 0;
    for (let p = 0; p < this.k; p++) s += this.counts[c * this.k + p];
    return s;
  }

  /** Pixels predicted as class c (the column sum). */
  predCount(c: number): number {
    let s = 0;
    for (let g = 0; g < this.k; g++) s += this.counts[g * this.k + c];
    return s;
  }

  /** TP / (TP + FP + FN); null when the class is absent from both ground truth and prediction. */
  iou(c: number): number | null {
    const tp = this.counts[c * this.k + c];
    const union = this.gtCount(c) + this.predCount(c) - tp;
    return union === 0 ? null : tp / union;
  }

  /** Mean over the classes whose IoU is defined (present in ground truth or prediction). */
  meanIoU(): number | null {
    const v = Array.from({ length: this.k }, (_, c) => this.iou(c)).filter((x): x is number => x !== null);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  }

  /** Correct pixels / counted pixels; null when no pixel was counted. */
  pixelAccuracy(): number | null {
    let correct = 0;
    let total = 0;
    for (let g = 0; g < this.k; g++) {
      correct += this.counts[g * this.k + g];
      total += this.gtCount(g);
    }
    return total === 0 ? null : correct / total;
  }
}

/** Levels per RGB channel of the joint colour histogram (8 → 512 bins of 32 values each). */
export const HIST_LEVELS = 8;

/** One joint RGB histogram per class, filled from the pixels the ground truth gives that class. */
export class ClassHistograms {
  /** counts[c * bins + bin] */
  readonly counts: Float64Array;
  readonly bins = HIST_LEVELS ** 3;

  constructor(readonly k: number) {
    this.counts = new Float64Array(k * this.bins);
  }

  /** `rgb`: 8-bit RGB, 3 bytes a pixel, aligned with `gt`; dontcare pixels are skipped. */
  add(gt: ArrayLike<number>, rgb: ArrayLike<number>): void {
    if (rgb.length !== gt.length * 3) throw new Error(`internal: ${gt.length} labels but ${rgb.length / 3} pixels`);
    const shift = 8 - Math.log2(HIST_LEVELS);
    for (let i = 0; i < gt.length; i++) {
      const c = gt[i];
      if (c < 0 || c >= this.k) continue;
      const bin = ((rgb[3 * i] >> shift) * HIST_LEVELS + (rgb[3 * i + 1] >> shift)) * HIST_LEVELS + (rgb[3 * i + 2] >> shift);
      this.counts[c * this.bins + bin]++;
    }
  }

  pixels(c: number): number {
    let s = 0;
    for (let b = 0; b < this.bins; b++) s += this.counts[c * this.bins + b];
    return s;
  }

  /**
   * Hellinger distance between class c's normalised histograms here and in `other`:
   * sqrt(1 - Σ sqrt(p·q)), 0 for identical colour distributions, 1 for disjoint ones.
   * null when either side has no pixels of the class.
   */
  hellinger(other: ClassHistograms, c: number): number | null {
    const n = this.pixels(c);
    const m = other.pixels(c);
    if (n === 0 || m === 0) return null;
    let bc = 0;
    for (let b = 0; b < this.bins; b++)
      bc += Math.sqrt((this.counts[c * this.bins + b] / n) * (other.counts[c * this.bins + b] / m));
    return Math.sqrt(Math.max(0, 1 - bc));
  }
}
