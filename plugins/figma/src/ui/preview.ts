// Live preview scheduling, independent of the UI framework and of the model: one render at a
// time (the panel has one model), the latest request wins, work for settings that changed again
// is dropped (the running render is told to stop at its next tile), and the last finished
// preview stays on show until a newer one is ready.

export interface PreviewState<R> {
  /** The newest finished preview; kept while a newer one is being made. */
  result: R | null;
  /** Key of the settings `result` was made with. */
  resultKey: string | null;
  /** True while the shown result is not for the latest request (waiting or rendering). */
  pending: boolean;
  /** Why the latest request could not be rendered (cleared by the next success). */
  error: string | null;
}

export interface PreviewOptions<I, R> {
  /**
   * Make the preview for `input`. `stale()` turns true as soon as a newer request arrives or the
   * scheduler is suspended: check it between steps and throw (any error) to stop early.
   */
  render: (input: I, stale: () => boolean) => Promise<R>;
  /** Settings that make the same preview give the same key (a repeated request is a no-op). */
  keyOf: (input: I) => string;
  onChange: (state: PreviewState<R>) => void;
  /** Wait this long after a request before rendering, so a dragged slider renders once (default 120 ms). */
  debounceMs?: number;
  /** Called with a result that was replaced (e.g. to revoke its object URL). */
  release?: (old: R) => void;
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class PreviewScheduler<I, R> {
  private state: PreviewState<R> = { result: null, resultKey: null, pending: false, error: null };
  private latest: { input: I; key: string } | null = null;
  /** Bumped by every request and by suspend(): a render whose generation is old is stale. */
  private generation = 0;
  private running: Promise<void> | null = null;
  private suspended = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly opts: PreviewOptions<I, R>) {}

  get current(): PreviewState<R> {
    return this.state;
  }

  /** Ask for the preview of `input`; null clears it (nothing selected). */
  request(input: I | null): void {
    if (input === null) {
      this.latest = null;
      this.generation++;
      this.clearTimer();
      if (this.state.result !== null) this.opts.release?.(this.state.result);
      this.set({ result: null, resultKey: null, pending: false, error: null });
      return;
    }
    const key = this.opts.keyOf(input);
    if (this.latest?.key === key && (this.state.pending || this.state.resultKey === key)) return;
    this.latest = { input, key };
    this.generation++;
    if (this.state.resultKey === key && !this.state.error) {
      // Back to the settings on show (e.g. a slider dragged away and back): nothing to make.
      this.clearTimer();
      this.set({ pending: false });
      return;
    }
    this.set({ pending: true });
    this.schedule();
  }

  /**
   * Start nothing until resume(); a running render is told to stop (stale() turns true), so it
   * starts no further step. It may still be finishing the step it is in; its result is dropped.
   */
  suspend(): void {
    this.suspended++;
    this.generation++;
    this.clearTimer();
  }

  /** Undo one suspend(); renders the latest request if it is not on show. */
  resume(): void {
    if (this.suspended > 0) this.suspended--;
    if (this.suspended === 0 && this.latest && this.latest.key !== this.state.resultKey) {
      this.generation++;
      this.set({ pending: true });
      this.schedule();
    }
  }

  /** Resolves when no render is running (for tests and teardown). */
  async idle(): Promise<void> {
    while (this.running || this.timer) {
      if (this.running) await this.running;
      else await new Promise((r) => setTimeout(r, this.opts.debounceMs ?? 120));
    }
  }

  private set(patch: Partial<PreviewState<R>>): void {
    this.state = { ...this.state, ...patch };
    this.opts.onChange(this.state);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    this.clearTimer();
    if (this.suspended > 0 || this.running) return; // a running render's loop picks up the latest request
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.running && this.suspended === 0) this.running = this.loop().finally(() => (this.running = null));
    }, this.opts.debounceMs ?? 120);
  }

  private async loop(): Promise<void> {
    while (this.suspended === 0 && this.latest && this.latest.key !== this.state.resultKey) {
      const { input, key } = this.latest;
      const gen = this.generation;
      const stale = () => gen !== this.generation;
      let result: R;
      try {
        result = await this.opts.render(input, stale);
      } catch (e) {
        if (!stale()) {
          this.set({ pending: false, error: errText(e) });
          return;
        }
        continue;
      }
      if (stale()) {
        this.opts.release?.(result);
        continue;
      }
      const old = this.state.result;
      this.set({ result, resultKey: key, pending: false, error: null });
      if (old !== null && old !== result) this.opts.release?.(old);
    }
  }
}
