// Learning-rate schedules: a pure function of the step, so a resumed run continues exactly.
export interface LrSchedule {
  kind: 'constant' | 'linear' | 'cosine';
  /** Steps of linear warm-up from 0 to the base rate. */
  warmupSteps?: number;
  /** Step at which 'linear' reaches 0 and 'cosine' reaches `minFactor`. */
  totalSteps?: number;
  /** Floor as a fraction of the base rate (default 0). */
  minFactor?: number;
}

export function learningRateAt(base: number, step: number, s: LrSchedule = { kind: 'constant' }): number {
  const warm = s.warmupSteps ?? 0;
  if (warm > 0 && step < warm) return (base * (step + 1)) / warm;
  if (s.kind === 'constant' || !s.totalSteps) return base;
  const t = Math.min(1, Math.max(0, (step - warm) / Math.max(1, s.totalSteps - warm)));
  const min = s.minFactor ?? 0;
  const f = s.kind === 'linear' ? 1 - t : 0.5 * (1 + Math.cos(Math.PI * t));
  return base * (min + (1 - min) * f);
}
