// A progress bar on stderr: step, losses, steps/s and ETA. On a terminal it redraws one line;
// otherwise (CI, pipes, log files) it prints plain lines, at most one every `intervalMs`.
// In a queue job, updates go to the job's reporter instead.
import { currentReporter } from './reporter.js';

export interface ProgressOptions {
  label: string;
  total: number;
  /** First step number of this session (resumed runs start above 0). */
  start?: number;
  stream?: NodeJS.WriteStream;
  intervalMs?: number;
}

export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  s = Math.max(0, Math.round(s));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

export function formatNumber(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1000 || a < 0.001 ? v.toExponential(2) : v.toPrecision(3);
}

export class Progress {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly t0 = performance.now();
  private readonly start: number;
  private lastPrint = -Infinity;
  private drawn = false;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = !!this.stream.isTTY;
    this.start = opts.start ?? 0;
  }

  /** `done` = steps finished so far (1-based count). */
  update(done: number, fields: Record<string, number> = {}): void {
    const reporter = currentReporter();
    if (reporter) return reporter.progress(this.opts.label, done, this.opts.total, fields);
    const now = performance.now();
    const last = done >= this.opts.total;
    const interval = this.opts.intervalMs ?? (this.tty ? 100 : 2000);
    if (!last && done !== this.start + 1 && now - this.lastPrint < interval) return;
    this.lastPrint = now;
    const elapsed = (now - this.t0) / 1000;
    const rate = (done - this.start) / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? (this.opts.total - done) / rate : Infinity;
    const pct = this.opts.total > 0 ? done / this.opts.total : 1;
    const losses = Object.entries(fields).map(([k, v]) => `${k} ${formatNumber(v)}`).join('  ');
    const stats = `${done}/${this.opts.total}  ${rate.toFixed(2)} steps/s  ETA ${last ? '0s' : formatDuration(eta)}${losses ? '  ' + losses : ''}`;
    if (this.tty) {
      const width = 24;
      const filled = Math.round(pct * width);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      const line = `${this.opts.label} ${bar} ${stats}`;
      const cols = this.stream.columns ?? 120;
      this.stream.write(`\r\x1b[2K${line.slice(0, cols - 1)}`);
      this.drawn = true;
      if (last) this.done();
    } else {
      this.stream.write(`${this.opts.label} step ${stats}\n`);
    }
  }

  /** Print a message without breaking the bar. */
  log(msg: string): void {
    const reporter = currentReporter();
    if (reporter) return reporter.log(msg);
    if (this.tty && this.drawn) this.stream.write('\r\x1b[2K');
    this.stream.write(msg + '\n');
  }

  done(): void {
    if (this.tty && this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
