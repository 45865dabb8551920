// Panel settings in figma.clientStorage (per user, per machine; not in the document).
import { DEFAULT_SETTINGS, type Settings } from '../protocol.js';

const KEY = 'settings/v1';

export async function loadSettings(): Promise<Settings> {
  try {
    const raw: unknown = await figma.clientStorage.getAsync(KEY);
    return sanitize(raw);
  } catch {
    return { ...DEFAULT_SETTINGS };
  }
}

export async function saveSettings(s: Settings): Promise<void> {
  await figma.clientStorage.setAsync(KEY, sanitize(s));
}

/** Keep only known fields with valid values, so a stale or damaged entry can't break the panel. */
export function sanitize(raw: unknown): Settings {
  const s = { ...DEFAULT_SETTINGS };
  if (!raw || typeof raw !== 'object') return s;
  const r = raw as Record<string, unknown>;
  if (typeof r.packId === 'string' || r.packId === null) s.packId = r.packId as string | null;
  if (typeof r.mixPackId === 'string' || r.mixPackId === null) s.mixPackId = r.mixPackId as string | null;
  if (typeof r.mix === 'number' && r.mix >= 0 && r.mix <= 1) s.mix = r.mix;
  if (typeof r.strength === 'number' && r.strength >= 0 && r.strength <= 1) s.strength = r.strength;
  if (typeof r.preserveColors === 'boolean') s.preserveColors = r.preserveColors;
  // The UI clamps it to its control's range (core's LAYER_TEXTURE_MIN..MAX).
  if (typeof r.textureScale === 'number' && Number.isFinite(r.textureScale) && r.textureScale > 0) s.textureScale = r.textureScale;
  if (r.outputScale === 1 || r.outputScale === 2) s.outputScale = r.outputScale;
  if (r.backend === 'auto' || r.backend === 'webgpu' || r.backend === 'webgl' || r.backend === 'wasm' || r.backend === 'cpu') s.backend = r.backend;
  return s;
}
