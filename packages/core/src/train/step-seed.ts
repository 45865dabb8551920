/**
 * Mix a run's seed and a step into a well-spread 32-bit RNG seed: each step's content batch is a
 * pure function of (seed, step), so a resumed run sees exactly the batches the interrupted one
 * would have, and the CLI and the plugin draw the same crops.
 */
export function stepSeed(seed: number, step: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
