// The model side of the panel inside a Worker (started by worker-engine.ts with this same
// bundle, see entry.ts): a LocalEngine that answers WorkerRequests one at a time, in order.
// A cancel is handled at once (between tiles: the engine yields after each tile), so a
// stylize stops within one tile of the panel's Cancel.
import type { PackTensor } from '@stylepack/core';
import { CancelledError } from './engine.js';
import { parseLossSource } from './lossnet-source.js';
import { LocalEngine, type EngineFacts, type FromWorker, type ToWorker, type WorkerRequest } from './model-engine.js';

interface WorkerScope {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(msg: FromWorker, transfer?: Transferable[]): void;
}

export function serveModelWorker(): void {
  const scope = self as unknown as WorkerScope;
  let lossText: string | null = null;
  const engine = new LocalEngine('worker', () => {
    if (!lossText) throw new Error('The model worker was not sent the loss network.');
    return parseLossSource(lossText);
  });
  const cancelled = new Set<number>();
  /** Running learns and refines, by request id, so a cancel reaches them at once. */
  const learners = new Map<number, { cancel: () => void }>();
  /** A macrotask turn, so a cancel message is handled between learning steps. */
  const turn = () => new Promise<void>((r) => setTimeout(r, 0));
  let base: { sha: string; weights: Record<string, PackTensor> } | null = null;
  let queue: Promise<void> = Promise.resolve();
  const facts = (): EngineFacts => ({ loads: engine.loads, tileSize: engine.tileSize, backendName: engine.backendName, memory: engine.memory(), fastKernels: engine.fastKernels() });

  /** Runs a Learn or Refine job as request `id`; a cancel that arrived first applies at once. */
  async function runLongJob<R>(id: number, job: { result: Promise<R>; cancel: () => void }): Promise<R> {
    learners.set(id, job);
    if (cancelled.has(id)) job.cancel();
    try {
      return await job.result;
    } finally {
      learners.delete(id);
    }
  }

  async function answer(id: number, req: WorkerRequest): Promise<unknown> {
    switch (req.op) {
      case 'backend':
        return engine.ensureBackend(req.pref, (log) => scope.postMessage({ id, log }));
      case 'model':
        if (req.weights) base = { sha: req.sha, weights: req.weights };
        if (base?.sha !== req.sha) throw new Error(`The model worker has no weights for base model ${req.sha.slice(0, 12)}…`);
        engine.ensureModel(base.sha, base.weights); // a no-op unless the model or the backend changed; errors surface from the next calibrate/stylize
        return null;
      case 'style':
        engine.setStyle(req.a, req.b, req.mix);
        return null;
      case 'calibrate':
        return engine.calibrate();
      case 'stylize': {
        const out = await engine.stylize(req.img, {
          ...req.opts,
          isCancelled: () => cancelled.has(id),
          onTile: (done, total) => scope.postMessage({ id, tile: [done, total] }),
        });
        return out;
      }
      case 'learn': {
        if (req.lossnet) lossText = req.lossnet;
        const handle = engine.learn(
          req.opts,
          async (progress) => {
            scope.postMessage({ id, progress });
            await turn();
          },
          (phase) => scope.postMessage({ id, phase }),
        );
        return runLongJob(id, handle);
      }
      case 'refine': {
        if (req.lossnet) lossText = req.lossnet;
        const handle = engine.refine(
          req.input,
          (refineProgress) => scope.postMessage({ id, refineProgress }),
          (phase) => scope.postMessage({ id, phase }),
        );
        return runLongJob(id, handle);
      }
    }
  }

  scope.onmessage = (e) => {
    const msg = e.data;
    if ('cancel' in msg) {
      cancelled.add(msg.cancel);
      learners.get(msg.cancel)?.cancel();
      return;
    }
    queue = queue.then(async () => {
      try {
        const result = await answer(msg.id, msg.req);
        const pixels = result instanceof Uint8ClampedArray ? result : (result as { image?: { data?: unknown } } | null)?.image?.data; // a stylize's or a refine's
        const transfer = pixels instanceof Uint8ClampedArray && pixels.byteLength > 0 ? [pixels.buffer as ArrayBuffer] : [];
        scope.postMessage({ id: msg.id, ok: true, result, facts: facts() }, transfer);
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        scope.postMessage({ id: msg.id, ok: false, error, cancelled: err instanceof CancelledError, facts: facts() });
      } finally {
        cancelled.delete(msg.id);
      }
    });
  };
  scope.postMessage({ ready: true });
}
