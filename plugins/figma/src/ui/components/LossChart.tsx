// Learn's loss chart.
/** A tiny loss chart: per-step style loss (line) and the probe style loss (dots). */
export function LossChart({ steps, probe, total }: { steps: number[]; probe: { step: number; value: number }[]; total: number }) {
  const all = [...steps, ...probe.map((p) => p.value)];
  if (all.length < 2) return null;
  const W = 300;
  const H = 48;
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const y = (v: number) => H - 4 - ((v - lo) / Math.max(1e-9, hi - lo)) * (H - 8);
  const x = (i: number) => (i / Math.max(1, total)) * W;
  const line = steps.map((v, i) => `${i ? 'L' : 'M'}${x(i + 1).toFixed(1)},${y(v).toFixed(1)}`).join('');
  return (
    <svg class="loss" viewBox={`0 0 ${W} ${H}`} width="100%" height={H} data-testid="learn-chart" aria-label="style loss">
      <path class="loss-steps" d={line} />
      {probe.map((p) => (
        <circle class="loss-probe" key={p.step} cx={x(p.step)} cy={y(p.value)} r="2.5" />
      ))}
    </svg>
  );
}
