/**
 * The host's first picture of a label map (src/extension/first_picture): rendered from the
 * window's one warm copy of the model as the editor opens, while the page's own worker still
 * starts. The page shows it only while it holds the same map, model and style, and only until its
 * own first picture, which replaces it.
 */

/** The style a new preview starts in (the page's default UI state). */
export const FIRST_SEED = 1;

/** FNV-1a over the ids: the page checks that the map it holds is the one the host rendered. */
export function idsHash(ids: Int32Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < ids.length; i++) {
    let v = ids[i];
    for (let b = 0; b < 4; b++) {
      h = Math.imul(h ^ (v & 0xff), 0x01000193);
      v >>>= 8;
    }
  }
  return h >>> 0;
}
