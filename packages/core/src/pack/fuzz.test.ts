// Deterministic fuzz: 1,200 seeded mutations of valid packs (bit flips, truncations, byte runs,
// header and manifest edits, checksum-recomputed body edits). decodePack must either succeed
// with finite style values inside the value limits, or throw a PackError with its own message
// (never another error type, never INTERNAL, never hang). STYLEPACK_FUZZ_SEED picks another seed.
// The CLI's loading path is fuzzed on a sample in test/cli/pack-fuzz.test.ts.
import { describe, expect, it } from 'vitest';
import { PackError, STYLE_VALUE_LIMIT, decodePack, encodePack, sha256Hex, type PackDtype } from './index.js';
import { editPack, joinPack, prng, sampleInput, splitPack } from './fixtures/testkit.js';

const NASTY: unknown[] = [
  -1, 0, 1, 1.5, 7, 8, 255, 2 ** 31, 2 ** 32, 2 ** 53, 1e308, -1e308, 'x', '', '__proto__', null, true, [], [0], [-1],
  [1e9, 1e9], {}, { a: 1 }, 'float16', 'uint8', 'image/png', 'x'.repeat(300),
];

/** All paths (as key lists) to values in a JSON tree. */
function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out);
  return out;
}

describe('decodePack fuzz', () => {
  it('only ever throws PackError on 1,200 mutated packs', async () => {
    const seed = Number(process.env.STYLEPACK_FUZZ_SEED ?? 20250131);
    const rnd = prng(seed);
    const int = (n: number): number => Math.floor(rnd() * n);
    const bases: Uint8Array[] = [];
    for (const enc of ['float16', 'float32', 'uint8'] as PackDtype[]) bases.push(await encodePack(sampleInput(), { encoding: enc, weightsEncoding: enc }));
    const codes = new Map<string, number>();
    let ok = 0;
    const started = Date.now();

    const N = 1200;
    for (let iter = 0; iter < N; iter++) {
      const base = bases[iter % bases.length]!;
      let bytes: Uint8Array;
      const kind = iter % 8;
      if (kind === 0) {
        // 1–4 random bit flips anywhere.
        bytes = base.slice();
        for (let k = 1 + int(4); k > 0; k--) bytes[int(bytes.length)]! ^= 1 << int(8);
      } else if (kind === 1) {
        // Truncation, or garbage appended.
        bytes = rnd() < 0.7 ? base.slice(0, int(base.length)) : new Uint8Array([...base, ...Array.from({ length: 1 + int(40) }, () => int(256))]);
      } else if (kind === 2) {
        // Random body bytes overwritten, checksum fixed so decoding reaches the values.
        bytes = await editPack(base, (_, body) => {
          for (let k = 1 + int(8); k > 0; k--) body[int(body.length)] = int(256);
        });
      } else if (kind === 3) {
        // One manifest value replaced by something nasty (checksum still valid).
        const parts = splitPack(base);
        const all = paths(parts.manifest).filter((p) => p.length > 0);
        const path = all[int(all.length)]!;
        let parent = parts.manifest;
        for (const key of path.slice(0, -1)) parent = parent[key];
        const last = path[path.length - 1]!;
        if (rnd() < 0.2 && !Array.isArray(parent)) delete parent[last];
        else parent[last] = structuredClone(NASTY[int(NASTY.length)]);
        bytes = joinPack(JSON.stringify(parts.manifest), parts.body, parts.version);
      } else if (kind === 4) {
        // Header fields overwritten with random or boundary u32s.
        bytes = base.slice();
        const dv = new DataView(bytes.buffer);
        const vals = [0, 1, 2, 7, 0xffffffff, 0x7fffffff, int(2 ** 32), int(bytes.length), dv.getUint32(12, true) + 8 * (int(5) - 2)];
        dv.setUint32(rnd() < 0.5 ? 8 : 12, vals[int(vals.length)]!, true);
      } else if (kind === 6) {
        // A run of 1–64 equal bytes (0x00, 0xff or random) anywhere: zeroed sectors, erased flash.
        bytes = base.slice();
        const at = int(bytes.length);
        const v = [0, 0xff, int(256)][int(3)]!;
        bytes.fill(v, at, Math.min(bytes.length, at + 1 + int(64)));
      } else if (kind === 7) {
        // Extreme float16/float32 patterns written into the body, checksum fixed: ±65504, ±max,
        // NaN/Inf bits, runs of zeros (a flat style), denormals.
        const patterns = [[0xff, 0x7b], [0xff, 0xfb], [0x00, 0x7c], [0x00, 0x7e], [0x00, 0x00], [0x01, 0x00], [0xff, 0xff, 0x7f, 0x7f], [0x00, 0x00, 0xc0, 0x7f]];
        bytes = await editPack(base, (_, body) => {
          const p = patterns[int(patterns.length)]!;
          const start = int(body.length) & ~1;
          const reps = rnd() < 0.3 ? 1 + int(200) : 1;
          for (let r = 0; r < reps; r++) for (let k = 0; k < p.length; k++) if (start + r * p.length + k < body.length) body[start + r * p.length + k] = p[k]!;
        });
      } else {
        // Random bytes spliced into the manifest text (JSON damage), checksum irrelevant.
        const parts = splitPack(base);
        const t = parts.manifestText;
        const at = int(t.length);
        const junk = ['"', '}', ']', ',', ':', '\\', '\u0000', 'é', '1e999', '-', '{"__proto__":1}'][int(11)]!;
        bytes = joinPack(t.slice(0, at) + junk + t.slice(at + int(3)), parts.body, parts.version);
      }

      try {
        const pack = await decodePack(bytes);
        ok++;
        // Anything that decodes is internally consistent.
        for (const s of pack.styles) for (const t of Object.values(s.tensors)) expect(t.data.every((v) => Number.isFinite(v) && Math.abs(v) <= STYLE_VALUE_LIMIT)).toBe(true);
        for (const t of Object.values(pack.weights ?? {})) expect(t.data.every(Number.isFinite)).toBe(true);
        expect(await sha256Hex(bytes.subarray(bytes.length - pack.manifest.bodyByteLength))).toBe(pack.manifest.bodySha256);
      } catch (e) {
        if (!(e instanceof PackError)) throw new Error(`seed ${seed}, iteration ${iter} (kind ${kind}) threw a non-PackError: ${String(e)}`);
        if (e.code === 'INTERNAL' || e.message.length < 20) throw new Error(`seed ${seed}, iteration ${iter} (kind ${kind}): ${e.code}: ${e.message}`);
        codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
      }
    }
    console.log(`[pack fuzz] seed ${seed}: ${N} cases in ${Date.now() - started} ms: ${ok} decoded, rejections ${JSON.stringify(Object.fromEntries(codes))}`);
    // The mutations reach many different checks.
    for (const code of ['TRUNCATED', 'BAD_CHECKSUM', 'BAD_MANIFEST', 'BAD_LAYOUT', 'BAD_SHAPE', 'UNSUPPORTED_VERSION', 'BAD_VALUE']) expect(codes.get(code) ?? 0).toBeGreaterThan(0);
  }, 30_000);
});
