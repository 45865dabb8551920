// Loss curves as a small standalone SVG: one panel per loss, log-scaled y when the values span
// more than a decade, a light moving average over the raw points.
export interface LossPoint {
  step: number;
  losses: Record<string, number>;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function fmt(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e4 || a < 1e-2) ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

export function lossCurveSvg(history: LossPoint[], opts: { title?: string; keys?: string[] } = {}): string {
  const keys = opts.keys ?? [...new Set(history.flatMap((h) => Object.keys(h.losses)))];
  const pw = 360;
  const ph = 160;
  const pad = { l: 56, r: 12, t: 24, b: 28 };
  const cols = 2;
  const rows = Math.max(1, Math.ceil(keys.length / cols));
  const W = cols * (pw + pad.l + pad.r);
  const H = 30 + rows * (ph + pad.t + pad.b);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="8" y="18" font-size="14" font-weight="bold">${esc(opts.title ?? 'Training losses')}</text>`,
  ];
  keys.forEach((key, i) => {
    const ox = (i % cols) * (pw + pad.l + pad.r) + pad.l;
    const oy = 30 + Math.floor(i / cols) * (ph + pad.t + pad.b) + pad.t;
    const pts = history.filter((h) => Number.isFinite(h.losses[key])).map((h) => [h.step, h.losses[key]] as const);
    out.push(`<text x="${ox}" y="${oy - 6}" font-weight="bold">${esc(key)}</text>`);
    out.push(`<rect x="${ox}" y="${oy}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
    if (pts.length === 0) return;
    const ys = pts.map((p) => p[1]);
    const minY = Math.min(...ys);
    const maxY = Math.max(...ys);
    const log = minY > 0 && maxY / minY > 10;
    const tr = (v: number) => (log ? Math.log10(v) : v);
    let lo = tr(minY);
    let hi = tr(maxY);
    if (hi - lo < 1e-12) {
      lo -= 0.5;
      hi += 0.5;
    }
    const x0 = pts[0][0];
    const x1 = Math.max(pts[pts.length - 1][0], x0 + 1);
    const px = (s: number) => ox + ((s - x0) / (x1 - x0)) * pw;
    const py = (v: number) => oy + ph - ((tr(v) - lo) / (hi - lo)) * ph;
    const path = (p: readonly (readonly [number, number])[]) => p.map(([s, v], j) => `${j ? 'L' : 'M'}${px(s).toFixed(1)},${py(v).toFixed(1)}`).join('');
    const color = COLORS[i % COLORS.length];
    out.push(`<path d="${path(pts)}" fill="none" stroke="${color}" stroke-opacity="0.35" stroke-width="1"/>`);
    if (pts.length > 8) {
      const k = Math.max(2, Math.round(pts.length / 20));
      const smooth = pts.map(([s], j) => {
        const win = pts.slice(Math.max(0, j - k), j + 1).map((p) => p[1]);
        return [s, win.reduce((a, b) => a + b, 0) / win.length] as const;
      });
      out.push(`<path d="${path(smooth)}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    const yTop = log ? 10 ** hi : hi;
    const yBot = log ? 10 ** lo : lo;
    out.push(`<text x="${ox - 4}" y="${oy + 10}" text-anchor="end">${fmt(yTop)}</text>`);
    out.push(`<text x="${ox - 4}" y="${oy + ph}" text-anchor="end">${fmt(yBot)}</text>`);
    if (log) out.push(`<text x="${ox + pw - 4}" y="${oy + 12}" text-anchor="end" fill="#666">log</text>`);
    out.push(`<text x="${ox}" y="${oy + ph + 14}">${x0}</text>`);
    out.push(`<text x="${ox + pw}" y="${oy + ph + 14}" text-anchor="end">step ${x1}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
