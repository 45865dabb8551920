// A plain-object overview of a pack, for `stylepack pack inspect` and the plugin's pack list.
import type { PackDtype, PackJson, PackManifest, PackTensorRef } from './types.js';

export interface PackSummary {
  id: string;
  name: string;
  author: string;
  licence: string;
  created: string;
  description?: string;
  formatVersion: number;
  baseModel: { id: string; sha256: string };
  styles: { name: string; tensors: number; parameters: number }[];
  styleCount: number;
  /** Tensors over all styles plus weights. */
  tensorCount: number;
  /** Elements over all tensors. */
  parameterCount: number;
  /** Body bytes taken by tensors of each storage dtype. */
  bytesByDtype: Record<PackDtype, number>;
  bodyBytes: number;
  /** Whole file, when known (decoded packs know it). */
  fileBytes?: number;
  hasWeights: boolean;
  weightTensorCount: number;
  weightParameterCount: number;
  preview: { width: number; height: number; bytes: number } | null;
  training: {
    fields: string[];
    steps?: number;
    seconds?: number;
    styleImage?: string;
    /** Last value of each loss when `training.losses` maps names to numbers or to number series. */
    finalLosses?: Record<string, number>;
  } | null;
}

function elements(ref: PackTensorRef): number {
  return ref.shape.reduce((a, b) => a * b, 1);
}

export function summarizePack(pack: { manifest: PackManifest; fileByteLength?: number }): PackSummary {
  const m = pack.manifest;
  const bytesByDtype: Record<PackDtype, number> = { float32: 0, float16: 0, uint8: 0 };
  let tensorCount = 0;
  let parameterCount = 0;
  const count = (refs: Record<string, PackTensorRef>): { tensors: number; parameters: number } => {
    let tensors = 0;
    let parameters = 0;
    for (const ref of Object.values(refs)) {
      tensors++;
      parameters += elements(ref);
      bytesByDtype[ref.dtype] += ref.byteLength;
    }
    tensorCount += tensors;
    parameterCount += parameters;
    return { tensors, parameters };
  };
  const styles = m.styles.map((s) => ({ name: s.name, ...count(s.tensors) }));
  const w = m.weights ? count(m.weights) : { tensors: 0, parameters: 0 };

  let training: PackSummary['training'] = null;
  if (m.training) {
    const t = m.training;
    training = { fields: Object.keys(t) };
    if (typeof t['steps'] === 'number') training.steps = t['steps'];
    if (typeof t['seconds'] === 'number') training.seconds = t['seconds'];
    if (typeof t['styleImage'] === 'string') training.styleImage = t['styleImage'];
    const losses = t['losses'];
    if (losses && typeof losses === 'object' && !Array.isArray(losses)) {
      const final: Record<string, number> = {};
      for (const [k, v] of Object.entries(losses as Record<string, PackJson>)) {
        if (typeof v === 'number') final[k] = v;
        else if (Array.isArray(v) && typeof v[v.length - 1] === 'number') final[k] = v[v.length - 1] as number;
      }
      if (Object.keys(final).length > 0) training.finalLosses = final;
    }
  }

  return {
    id: m.id,
    name: m.name,
    author: m.author,
    licence: m.licence,
    created: m.created,
    ...(m.description !== undefined ? { description: m.description } : {}),
    formatVersion: m.formatVersion,
    baseModel: { ...m.baseModel },
    styles,
    styleCount: styles.length,
    tensorCount,
    parameterCount,
    bytesByDtype,
    bodyBytes: m.bodyByteLength,
    ...(pack.fileByteLength !== undefined ? { fileBytes: pack.fileByteLength } : {}),
    hasWeights: m.weights !== undefined,
    weightTensorCount: w.tensors,
    weightParameterCount: w.parameters,
    preview: m.preview ? { width: m.preview.width, height: m.preview.height, bytes: m.preview.byteLength } : null,
    training,
  };
}
