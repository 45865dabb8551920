// A stylize run on the main thread: export each node, hand it to the UI, write what comes back.
// The node list is fixed when the run starts; a selection change during the run does not alter
// it (the run finishes on the layers it started with). Nodes are processed one at a time, so
// Cancel takes effect before the next export, and one failing node does not stop the others.
import type { MainToUi, NodeRunStatus, OutputScale, RunMeta } from '../protocol.js';
import { errText } from '../shared/errors.js';
import { planExport } from '../shared/geometry.js';
import { pngSize } from './png.js';
import { isExportable } from './selection.js';
import { writeResult } from './write.js';

type Reply = { kind: 'result'; png: Uint8Array } | { kind: 'error'; message: string } | { kind: 'cancelled' };

export interface RunRequest {
  runId: number;
  nodeIds: string[];
  outputScale: OutputScale;
  styleName: string;
  meta: RunMeta;
}

// Not `instanceof Error`: errors thrown by the host API may come from another realm.

export class Run {
  cancelled = false;
  private waiting: { nodeId: string; resolve: (r: Reply) => void } | null = null;

  constructor(
    readonly req: RunRequest,
    private post: (msg: MainToUi) => void,
  ) {}

  /** The UI answered for a node (result or error). Answers for other nodes are ignored. */
  reply(nodeId: string, r: Reply): void {
    if (this.waiting && this.waiting.nodeId === nodeId) {
      const w = this.waiting;
      this.waiting = null;
      w.resolve(r);
    }
  }

  cancel(): void {
    this.cancelled = true;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w.resolve({ kind: 'cancelled' });
    }
  }

  private status(nodeId: string, status: NodeRunStatus, extra: { message?: string; newNodeId?: string } = {}): void {
    this.post({ type: 'run-node-status', runId: this.req.runId, nodeId, status, ...extra });
  }

  async execute(): Promise<void> {
    const { runId, nodeIds, outputScale, styleName, meta } = this.req;
    let created = 0;
    let failed = 0;
    const notices: string[] = [];
    for (let i = 0; i < nodeIds.length; i++) {
      const id = nodeIds[i]!;
      if (this.cancelled) break;
      const node = (await figma.getNodeByIdAsync(id)) as SceneNode | null;
      if (!node || node.removed) {
        failed++;
        this.status(id, 'failed', { message: 'The layer was deleted before it could be stylized.' });
        continue;
      }
      if (!isExportable(node)) {
        failed++;
        this.status(id, 'failed', { message: `A ${node.type.toLowerCase()} layer cannot be exported as an image.` });
        continue;
      }
      try {
        this.status(id, 'exporting');
        const plan = planExport(node.width, node.height, outputScale);
        if (plan.downscaled) {
          notices.push(`"${node.name}": ${plan.downscaled}`);
          figma.notify(`"${node.name}" ${plan.downscaled}`, { timeout: 6000 });
        }
        const png = await node.exportAsync({ format: 'PNG', constraint: { type: 'SCALE', value: plan.scale }, useAbsoluteBounds: true });
        if (this.cancelled) break;
        const { width, height } = pngSize(png);
        const reply = await new Promise<Reply>((resolve) => {
          this.waiting = { nodeId: id, resolve };
          this.post({ type: 'run-node-input', runId, nodeId: id, index: i, total: nodeIds.length, png, width, height, downscaled: plan.downscaled });
        });
        if (reply.kind === 'cancelled') break;
        if (reply.kind === 'error') throw new Error(reply.message);
        if (node.removed) throw new Error('The layer was deleted while it was being stylized.');
        const rect = writeResult(node, reply.png, styleName, meta);
        created++;
        this.status(id, 'done', { newNodeId: rect.id });
      } catch (e) {
        failed++;
        this.status(id, 'failed', { message: errText(e) });
      }
    }
    // Everything this run created is one undo step.
    if (created > 0) figma.commitUndo();
    const parts = [`Created ${created} stylized layer${created === 1 ? '' : 's'}`];
    if (failed) parts.push(`${failed} failed`);
    if (this.cancelled) parts.push(`cancelled after ${created + failed} of ${nodeIds.length}`);
    const message = parts.join(', ') + '.' + (notices.length ? ' ' + notices.join(' ') : '');
    figma.notify(message, { error: failed > 0 });
    this.post({ type: 'run-done', runId, created, failed, cancelled: this.cancelled, message });
  }
}
