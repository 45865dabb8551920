// The learn-a-style loop: fit one new style's norm vectors to a painting on a frozen base
// model (Trainer mode 'fit-style', no adversarial term), starting from the closest known style.
// `stylepack train` and the plugin's Learn both run it; they differ only in how they feed
// crops, report progress and save.
import type * as tf from '@tensorflow/tfjs';
import type { LossNetwork } from '../lossnet/index.js';
import type { Generator, StyleVectors } from '../model/index.js';
import type { LrSchedule } from '../train/schedule.js';
import { Trainer, type StepResult } from '../train/trainer.js';
import { closestStyle } from './closest.js';
import type { StyleTables } from './tables.js';

export interface StyleCandidate {
  label: string;
  tables: StyleTables;
}

export interface LearnStyleOptions {
  /** A one-style generator holding the base backbone (its norm tables are not used). */
  generator: Generator;
  lossNet: LossNetwork;
  contentTap: number;
  styleTaps: number[];
  /** The painting, [1, H, W, 3] in [0, 1]. */
  painting: tf.Tensor4D;
  /** A fixed content crop, [1, S, S, 3]: the closest-style search is run on it. */
  probe: tf.Tensor4D;
  /** Known styles of the same base; the closest one is the starting point (none: γ = 1, β = 0). */
  candidates: StyleCandidate[];
  seed?: number;
  /** Learning rate of the style vectors (default: the Trainer's, 1e-2). */
  learningRate?: number;
  schedule?: LrSchedule;
}

/** The run produced a non-finite loss or gradient at `step` (1-based). */
export class LearnDivergedError extends Error {
  constructor(readonly step: number) {
    super(`Learning diverged at step ${step}: the loss or its gradient is not a finite number.`);
    this.name = 'LearnDivergedError';
  }
}

export class StyleLearning {
  private constructor(
    readonly trainer: Trainer,
    /** The style it started from, or null (neutral vectors). */
    readonly initFrom: { label: string; distance: number } | null,
  ) {}

  /** Find the starting style and set up the trainer. */
  static async start(o: LearnStyleOptions): Promise<StyleLearning> {
    const best = o.candidates.length ? await closestStyle(o.generator, o.lossNet, o.probe, o.painting, o.candidates.map((c) => c.tables)) : null;
    let fitInit: Record<string, { gamma: Float32Array; beta: Float32Array }> | undefined;
    if (best) {
      const t = o.candidates[best.index]!.tables;
      fitInit = {};
      for (const { name } of o.generator.normLayers) fitInit[name] = { gamma: t[`${name}/gamma`]!.data, beta: t[`${name}/beta`]!.data };
    }
    const trainer = new Trainer({
      generator: o.generator,
      lossNet: o.lossNet,
      contentTap: o.contentTap,
      styleTaps: o.styleTaps,
      styleImages: [o.painting],
      mode: 'fit-style',
      fitInit,
      seed: o.seed ?? 0,
      weights: { adversarial: 0 },
      ...(o.learningRate ? { learningRate: { styleVectors: o.learningRate } } : {}),
      ...(o.schedule ? { schedule: o.schedule } : {}),
    });
    return new StyleLearning(trainer, best ? { label: o.candidates[best.index]!.label, distance: best.distance } : null);
  }

  get step(): number {
    return this.trainer.step;
  }

  /**
   * Train until `steps` steps are done in all (a resumed trainer continues where it was), or
   * until `signal.aborted`. Throws LearnDivergedError on a non-finite loss or gradient.
   */
  async fit(f: { steps: number; batch: (step: number) => tf.Tensor4D; signal?: { aborted: boolean }; onStep?: (r: StepResult) => void | Promise<void> }): Promise<void> {
    await this.trainer.fit({
      steps: Math.max(0, f.steps - this.trainer.step),
      batch: f.batch,
      signal: f.signal,
      onStep: async (r) => {
        if (!Number.isFinite(r.losses.generator) || !Number.isFinite(r.gradNorm)) throw new LearnDivergedError(r.step + 1);
        await f.onStep?.(r);
      },
    });
  }

  /** The learned style's vectors, [C] each. */
  async tables(): Promise<StyleTables> {
    const fitted = await this.trainer.fittedStyle();
    const out: StyleTables = {};
    for (const [k, v] of Object.entries(fitted)) out[k] = { shape: [v.shape[v.shape.length - 1]!], data: v.data };
    return out;
  }

  /** The learned style as tensors for Generator.stylize (previews; caller disposes, or use in a tidy). */
  vectors(): StyleVectors {
    return this.trainer.fittedVectors();
  }

  dispose(): void {
    this.trainer.dispose();
  }
}
