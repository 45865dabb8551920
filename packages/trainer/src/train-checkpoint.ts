// `stylepack train --checkpoint-every N`: the whole training state in <out>.checkpoint, next to
// the pack it will become. A rerun of the same command (after Ctrl-C, a crash, or on another queue
// worker) continues from it and ends with the same pack as an uninterrupted run.
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import type { Trainer } from '@stylepack/core';
import { CliError, errorMessage } from './errors.js';
import { writeAtomic } from './io/atomic.js';

export const checkpointPathFor = (packPath: string): string => `${packPath}.checkpoint`;

/** What must be equal for a checkpoint to continue a run (the step count may grow). */
export type TrainSettings = Record<string, string | number | null>;

export interface LossHistory {
  content: number[];
  style: number[];
  tv: number[];
}

/** Restore `trainer` from `path` if it exists; returns the loss history so far, or null for a fresh start. */
export async function resumeTraining(trainer: Trainer, path: string, settings: TrainSettings): Promise<LossHistory | null> {
  if (!existsSync(path)) return null;
  let state: { settings: Record<string, unknown>; history?: unknown };
  try {
    state = trainer.loadState(new Uint8Array(await readFile(path)));
  } catch (e) {
    throw new CliError(`Cannot continue from ${path}: ${errorMessage(e)} Delete it to start over.`);
  }
  const differ = Object.keys(settings).filter((k) => state.settings[k] !== settings[k]);
  if (differ.length) {
    throw new CliError(`${path} is from a train run with other settings (${differ.join(', ')} differ${differ.length === 1 ? 's' : ''}); delete it to start over, or choose another --out.`);
  }
  return (state.history as LossHistory | undefined) ?? { content: [], style: [], tv: [] };
}

export async function saveTraining(trainer: Trainer, path: string, settings: TrainSettings, history: LossHistory): Promise<void> {
  await writeAtomic(path, await trainer.saveState({ settings, history }));
}

/** Once the pack is written the checkpoint has served its purpose. */
export async function removeCheckpoint(path: string): Promise<void> {
  await rm(path, { force: true });
}
