// The current selection as the UI lists it, plus small thumbnails.
import type { NodeInfo, StylizedFrom } from '../protocol.js';
import { PLUGIN_DATA_KEY } from './write.js';

export function isExportable(node: SceneNode): boolean {
  return 'exportAsync' in node && node.width > 0 && node.height > 0;
}

export function describeSelection(): NodeInfo[] {
  return figma.currentPage.selection.map((n) => ({
    id: n.id,
    name: n.name,
    type: n.type,
    width: n.width,
    height: n.height,
    exportable: isExportable(n),
    ...stylizedFrom(n),
  }));
}

/** A stylepack result's plugin data (write.ts), if the layer is one and the data is readable. */
function stylizedFrom(n: SceneNode): { stylized?: StylizedFrom } {
  let data: unknown;
  try {
    data = JSON.parse(n.getPluginData(PLUGIN_DATA_KEY) || 'null');
  } catch {
    return {};
  }
  if (!data || typeof data !== 'object') return {};
  const { source, style, packId } = data as Record<string, unknown>;
  if (typeof source !== 'string' || typeof style !== 'string' || typeof packId !== 'string') return {};
  return { stylized: { sourceId: source, style, packId } };
}

const THUMB_SIDE = 64;
let generation = 0;

/** Export a small PNG of each selected node; stale ones (selection changed) are dropped. */
export async function sendThumbnails(post: (nodeId: string, png: Uint8Array) => void): Promise<void> {
  const gen = ++generation;
  for (const node of figma.currentPage.selection.slice(0, 24)) {
    if (gen !== generation) return;
    if (!isExportable(node)) continue;
    const scale = Math.min(1, THUMB_SIDE / Math.max(node.width, node.height));
    try {
      const png = await node.exportAsync({ format: 'PNG', constraint: { type: 'SCALE', value: scale }, useAbsoluteBounds: true });
      if (gen === generation) post(node.id, png);
    } catch {
      // A thumbnail is decoration: skip nodes that fail to export.
    }
  }
}
