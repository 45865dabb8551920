// Backend choice and the loss network, shared by the commands.
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONTENT_TAP, DEFAULT_STYLE_TAPS, type LossNetwork } from '@stylepack/core';
import { initNodeBackend, loadLossNetworkFromNsfwjs } from '@stylepack/core/node';
import { CliError, errorMessage } from './errors.js';

export const BACKEND_CHOICES = ['auto', 'wasm', 'cpu', 'tensorflow'] as const;
export type BackendOption = (typeof BACKEND_CHOICES)[number];

/** Activate a backend ('auto': tfjs-node if installed, else wasm, else cpu) and say which. */
export async function setupBackend(choice: BackendOption, log: (m: string) => void): Promise<string> {
  // The cpu backend prints a banner recommending tfjs-node on first use; we say which backend
  // runs ourselves. PROD only silences tfjs warnings and skips its debug checks.
  tf.env().set('PROD', true);
  const quiet: string[] = [];
  let name: string;
  try {
    const res = await initNodeBackend(choice, (m) => quiet.push(m));
    name = res.name;
    const skipped = res.tried.filter((t) => t.error).map((t) => `${t.name} (${t.error})`);
    log(`backend: ${res.name}${res.detail ? ` — ${res.detail}` : ''}${skipped.length ? `; skipped ${skipped.join(', ')}` : ''}`);
    if (choice !== 'auto' && res.name !== choice) log(`warning: --backend ${choice} is not available here; using ${res.name} instead.`);
  } catch (e) {
    throw new CliError(`No TensorFlow.js backend could start: ${errorMessage(e)}. ${quiet.join('; ')}`);
  }
  return name;
}

export interface LossSetup {
  net: LossNetwork;
  contentTap: number;
  styleTaps: number[];
}

/** The perceptual loss network: ImageNet MobileNetV2 (from nsfwjs) at core's default taps. */
export function createLossNet(): LossSetup {
  let net: LossNetwork;
  try {
    net = loadLossNetworkFromNsfwjs({ taps: [...DEFAULT_STYLE_TAPS] });
  } catch (e) {
    throw new CliError(`Cannot load the loss network: ${errorMessage(e)}`);
  }
  const contentTap = net.taps.indexOf(DEFAULT_CONTENT_TAP);
  return { net, contentTap, styleTaps: net.taps.map((_, i) => i) };
}
