// The learn-a-style loop: fit one new style's norm vectors to a painting on a frozen base
// model (Trainer mode 'fit-style', no adversarial term), starting from the closest known style.
// `stylepack train` and the plugin's Learn both run it; they differ only in how they feed
// crops, report progress and save.
import type * as tf from '@tensorflow/tfjs';
import type { LossNetwork } from '../lossnet/index.js';
import type { Generator, StyleVectors } from '../model/index.js';
import type { LrSchedule } from '../train/schedule.js';
import { Trainer, type StepResult } from '../train/trainer.js';
import { blendStart, closestStyle } from './closest.js';
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
  /**
   * 'closest': the nearest candidate; 'blend': the nearest of that and blends of the nearest
   * two or three (see blendStart). Default 'closest'.
   */
  start?: 'closest' | 'blend';
  /** Learning rate of the style vectors (default: the Trainer's, 1e-2). */
  learningRate?: number;
  schedule?: LrSchedule;
}

/**
 * The recipe `stylepack train` and the plugin's Learn use for a run of `steps` steps: start from
 * the best blend of the nearest styles, learning rate 3e-2 decaying (cosine) to 3e-3 at the last
 * step (the Trainer's default is a constant 1e-2). Measured against the old recipe (closest
 * style, constant 1e-2) by bench/learn-steps.mjs; numbers in docs/plugin-library.md.
 */
export function learnRecipe(steps: number): Pick<LearnStyleOptions, 'start' | 'learningRate' | 'schedule'> {
  return { start: 'blend', learningRate: 3e-2, schedule: { kind: 'cosine', totalSteps: steps, minFactor: 0.1 } };
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
    /** The style it started from ("a + b" for a blend, with `parts`), or null (neutral vectors). */
    readonly initFrom: { label: string; distance: number; parts?: { label: string; weight: number }[] } | null,
  ) {}

  /** Find the starting style and set up the trainer. */
  static async start(o: LearnStyleOptions): Promise<StyleLearning> {
    let init: { tables: StyleTables; from: NonNullable<StyleLearning['initFrom']> } | null = null;
    const tables = o.candidates.map((c) => c.tables);
    if (o.candidates.length && o.start === 'blend') {
      const b = await blendStart(o.generator, o.lossNet, o.probe, o.painting, tables);
      if (b) {
        const parts = b.parts.map((p) => ({ label: o.candidates[p.index]!.label, weight: Math.round(p.weight * 1000) / 1000 }));
        init = { tables: b.tables, from: { label: parts.map((p) => p.label).join(' + '), distance: b.distance, ...(parts.length > 1 ? { parts } : {}) } };
      }
    } else if (o.candidates.length) {
      const best = await closestStyle(o.generator, o.lossNet, o.probe, o.painting, tables);
      if (best) init = { tables: tables[best.index]!, from: { label: o.candidates[best.index]!.label, distance: best.distance } };
    }
    let fitInit: Record<string, { gamma: Float32Array; beta: Float32Array }> | undefined;
    if (init) {
      const t = init.tables;
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
    return new StyleLearning(trainer, init?.from ?? null);
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
