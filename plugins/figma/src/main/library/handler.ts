// Main-thread side of the pack-library messages (protocol.ts): answers each `lib` request
// from the UI with one `lib-reply`. Errors become { ok: false, error } with a readable message.
import type { ExportedNode, LibRequest, LibResult, LibraryListing, MainToUi, MessageOf, UiToMain } from '../../protocol.js';
import { errText } from '../../shared/errors.js';
import { ClientStore } from './client-store.js';
import { FileStore } from './file-store.js';


export class LibraryHandler {
  readonly mine: ClientStore;
  readonly file: FileStore;

  constructor(private readonly post: (msg: MessageOf<MainToUi, 'lib-reply'>) => void) {
    this.mine = new ClientStore(figma.clientStorage);
    this.file = new FileStore(figma.root, figma);
  }

  async handle(msg: MessageOf<UiToMain, 'lib'>): Promise<void> {
    try {
      const result = await this.run(msg.req);
      this.post({ type: 'lib-reply', reqId: msg.reqId, ok: true, result });
    } catch (e) {
      this.post({ type: 'lib-reply', reqId: msg.reqId, ok: false, error: errText(e) });
    }
  }

  private async listing(): Promise<LibraryListing> {
    return { mine: await this.mine.list(), file: this.file.list() };
  }

  private async run(req: LibRequest): Promise<LibResult> {
    switch (req.op) {
      case 'list':
        return { op: 'list', listing: await this.listing() };
      case 'load':
        return { op: 'load', bytes: req.home === 'mine' ? await this.mine.load(req.id) : this.file.load(req.id) };
      case 'save': {
        const entry = req.home === 'mine' ? await this.mine.save(req.id, req.name, req.bytes) : this.file.save(req.id, req.name, req.bytes);
        if (req.home === 'file') figma.commitUndo();
        return { op: 'save', entry, listing: await this.listing() };
      }
      case 'delete':
        if (req.home === 'mine') await this.mine.delete(req.id);
        else this.file.delete(req.id);
        return { op: 'delete', listing: await this.listing() };
      case 'export-nodes':
        return { op: 'export-nodes', images: await exportNodes(req.nodeIds, req.maxSide) };
      default: {
        const never: never = req;
        throw new Error(`unknown library request ${JSON.stringify(never)}`);
      }
    }
  }
}

/** PNG exports for style learning: longest side scaled to maxSide (small frames are scaled up). */
async function exportNodes(ids: string[], maxSide: number): Promise<ExportedNode[]> {
  const out: ExportedNode[] = [];
  for (const id of ids) {
    const node = (await figma.getNodeByIdAsync(id)) as SceneNode | null;
    if (!node || !('exportAsync' in node)) throw new Error(`Layer ${id} is gone or cannot be exported.`);
    const wide = node.width >= node.height;
    const side = Math.max(1, Math.min(4096, Math.round(maxSide)));
    const png = await node.exportAsync({ format: 'PNG', constraint: { type: wide ? 'WIDTH' : 'HEIGHT', value: side }, useAbsoluteBounds: true });
    const width = wide ? side : Math.max(1, Math.round((node.width / node.height) * side));
    const height = wide ? Math.max(1, Math.round((node.height / node.width) * side)) : side;
    out.push({ nodeId: id, name: node.name, png, width, height });
  }
  return out;
}
