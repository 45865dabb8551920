// Writing one result: an image-filled rectangle exactly over the original layer, in the same
// parent, directly above it. The original is never modified.
import type { RunMeta } from '../protocol.js';

export const PLUGIN_DATA_KEY = 'stylepack';

type Parent = BaseNode & ChildrenMixin;

export function resultName(nodeName: string, styleName: string): string {
  return `${nodeName} · ${styleName}`;
}

/** `as`: Refine names its layer itself and records the photo (not the layer it refined) as the source. */
export function writeResult(node: SceneNode, png: Uint8Array, styleName: string, meta: RunMeta, as: { name?: string; source?: string } = {}): RectangleNode {
  const parent = node.parent as Parent | null;
  if (!parent || !('insertChild' in parent)) throw new Error('The layer has no parent to place the result in.');
  const image = figma.createImage(png); // throws "Image is too large" etc.; nothing created yet
  const rect = figma.createRectangle();
  try {
    rect.name = as.name ?? resultName(node.name, styleName);
    rect.resize(node.width, node.height);
    rect.fills = [{ type: 'IMAGE', imageHash: image.hash, scaleMode: 'FILL' }];
    parent.insertChild(parent.children.indexOf(node) + 1, rect);
    // In an auto-layout frame the result must not join the flow and push siblings around.
    if ('layoutMode' in parent && (parent as FrameNode).layoutMode !== 'NONE') rect.layoutPositioning = 'ABSOLUTE';
    // Same parent, same relative transform → same absoluteTransform as the original.
    rect.relativeTransform = node.relativeTransform;
    rect.setPluginData(PLUGIN_DATA_KEY, JSON.stringify({ source: as.source ?? node.id, style: styleName, ...meta }));
  } catch (e) {
    rect.remove();
    throw e;
  }
  return rect;
}
