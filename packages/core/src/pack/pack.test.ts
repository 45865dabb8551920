import { readFileSync, writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import {
  PACK_LIMITS,
  PackError,
  decodePack,
  encodePack,
  readPackManifest,
  sha256Hex,
  summarizePack,
  type PackDtype,
  type PackEncodeInput,
  type PackTensor,
} from './index.js';
import { BASE_MODEL, johnsonNormLayers, makePng, makeStyles, prng, sampleInput, splitPack, tensor } from './fixtures/testkit.js';

async function expectPackError(p: Promise<unknown>, code: string, message?: RegExp | string): Promise<PackError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, `expected PackError ${code}`).toBeInstanceOf(PackError);
  const pe = e as PackError;
  expect(pe.code, pe.message).toBe(code);
  if (message) expect(pe.message).toMatch(message);
  return pe;
}

function allTensors(input: PackEncodeInput): [string, PackTensor][] {
  return [
    ...input.styles.flatMap((s) => Object.entries(s.tensors).map(([k, t]) => [`${s.name}:${k}`, t] as [string, PackTensor])),
    ...Object.entries(input.weights ?? {}),
  ];
}

describe('pack round trip', () => {
  for (const encoding of ['float32', 'float16', 'uint8'] as PackDtype[]) {
    it(`round-trips with ${encoding} storage`, async () => {
      const input = sampleInput();
      const bytes = await encodePack(input, { encoding, weightsEncoding: encoding });
      const pack = await decodePack(bytes, { expectedBaseModel: BASE_MODEL });

      expect(pack.manifest.id).toBe('sample-pack');
      expect(pack.manifest.description).toBe('Two small styles\nfor tests.');
      expect(pack.manifest.training).toEqual(input.meta.training);
      expect(pack.styles.map((s) => s.name)).toEqual(['Style 1', 'Style 2']);
      expect(pack.preview).toEqual(input.preview!.png);
      expect(pack.fileByteLength).toBe(bytes.length);

      const decoded = new Map<string, PackTensor>([
        ...pack.styles.flatMap((s) => Object.entries(s.tensors).map(([k, t]) => [`${s.name}:${k}`, t] as [string, PackTensor])),
        ...Object.entries(pack.weights ?? {}),
      ]);
      const refs = new Map<string, { quant?: { min: number; scale: number } }>([
        ...pack.manifest.styles.flatMap((s) => Object.entries(s.tensors).map(([k, r]) => [`${s.name}:${k}`, r] as [string, typeof r])),
        ...Object.entries(pack.manifest.weights ?? {}),
      ]);
      for (const [name, orig] of allTensors(input)) {
        const got = decoded.get(name)!;
        expect(got.data).toBeInstanceOf(Float32Array);
        expect(got.shape).toEqual(orig.shape);
        expect(got.data.length).toBe(orig.data.length);
        const scale = refs.get(name)!.quant?.scale ?? 0;
        for (let i = 0; i < orig.data.length; i++) {
          const a = orig.data[i]!;
          const b = got.data[i]!;
          if (encoding === 'float32') expect(b).toBe(a);
          else if (encoding === 'float16') expect(Math.abs(b - a)).toBeLessThanOrEqual(1e-3 * Math.abs(a) + 6e-8);
          else expect(Math.abs(b - a)).toBeLessThanOrEqual((scale / 2) * (1 + 1e-6) + 1e-7 * Math.abs(a));
        }
      }
    });
  }

  it('handles constant tensors with uint8 (scale 0) and a minimal pack (no weights, preview, training)', async () => {
    const bytes = await encodePack(
      {
        meta: { id: 'x', name: 'X', author: 'A', licence: 'MIT', baseModel: BASE_MODEL },
        styles: [{ name: 'Only', tensors: { 'n/gamma': tensor([4], () => 0.75), 'n/beta': tensor([2, 2], () => -3) } }],
      },
      { encoding: 'uint8' },
    );
    const pack = await decodePack(bytes);
    expect(Array.from(pack.styles[0]!.tensors['n/gamma']!.data)).toEqual([0.75, 0.75, 0.75, 0.75]);
    expect(Array.from(pack.styles[0]!.tensors['n/beta']!.data)).toEqual([-3, -3, -3, -3]);
    expect(pack.weights).toBeUndefined();
    expect(pack.preview).toBeUndefined();
    expect(Date.parse(pack.manifest.created)).not.toBeNaN();
  });

  it('writes the documented layout: magic, version, padded manifest, aligned body', async () => {
    const bytes = await encodePack(sampleInput());
    expect(new TextDecoder().decode(bytes.subarray(0, 7))).toBe('STYLEPK');
    expect(bytes[7]).toBe(0);
    const dv = new DataView(bytes.buffer);
    expect(dv.getUint32(8, true)).toBe(1);
    const mlen = dv.getUint32(12, true);
    expect(mlen % 8).toBe(0);
    const parts = splitPack(bytes);
    expect(parts.manifest.format).toBe('stylepack');
    expect(parts.manifest.bodyByteLength).toBe(bytes.length - 16 - mlen);
    expect(parts.manifest.bodySha256).toBe(await sha256Hex(parts.body));
    for (const s of parts.manifest.styles) for (const r of Object.values<{ offset: number }>(s.tensors)) expect(r.offset % 8).toBe(0);
    // Same input, same bytes.
    expect(await encodePack(sampleInput())).toEqual(bytes);
  });

  it('accepts an ArrayBuffer and a view into a larger buffer', async () => {
    const bytes = await encodePack(sampleInput());
    await expect(decodePack(bytes.slice().buffer)).resolves.toBeTruthy();
    const big = new Uint8Array(bytes.length + 13);
    big.set(bytes, 5);
    const pack = await decodePack(big.subarray(5, 5 + bytes.length));
    expect(pack.styles).toHaveLength(2);
  });

  it('checks expected shapes and base model when they match', async () => {
    const input = sampleInput();
    const expectedShapes = Object.fromEntries(Object.entries(input.styles[0]!.tensors).map(([k, t]) => [k, t.shape]));
    const expectedWeightShapes = { 'c1/conv/w': [3, 3, 3, 8], 'c1/conv/b': [8] };
    const pack = await decodePack(await encodePack(input), { expectedShapes, expectedWeightShapes, expectedBaseModel: { ...BASE_MODEL, sha256: BASE_MODEL.sha256.toUpperCase() } });
    expect(pack.styles).toHaveLength(2);
  });

  it('readPackManifest reads the manifest without the tensors', async () => {
    const m = readPackManifest(await encodePack(sampleInput()));
    expect(m.styles[1]!.tensors['c2/beta']!.dtype).toBe('float16');
    expect(m.weights!['c1/conv/w']!.dtype).toBe('float32');
  });
});

describe('summarizePack', () => {
  it('gives the inspect overview', async () => {
    const pack = await decodePack(await encodePack(sampleInput()));
    const s = summarizePack(pack);
    expect(s).toMatchObject({
      id: 'sample-pack',
      name: 'Sample pack',
      styleCount: 2,
      tensorCount: 2 * 6 + 2,
      parameterCount: 2 * 2 * (8 + 16 + 16) + 216 + 8,
      bytesByDtype: { float16: 2 * 2 * 2 * 40, float32: 4 * 224, uint8: 0 },
      hasWeights: true,
      weightTensorCount: 2,
      preview: { width: 8, height: 8 },
      training: { steps: 1200, seconds: 95.5, styleImage: 'wave.jpg', finalLosses: { content: 2.1, style: 4.25 } },
      fileBytes: pack.fileByteLength,
    });
    expect(s.styles[0]).toEqual({ name: 'Style 1', tensors: 6, parameters: 80 });
  });
});

describe('pack size', () => {
  /** A 128×128 preview like a real stylised thumbnail: smooth structure plus grain, zlib-compressed. */
  function realisticPreview(): Uint8Array {
    const png = new PNG({ width: 128, height: 128, colorType: 2, inputHasAlpha: false });
    const rnd = prng(3);
    for (let y = 0; y < 128; y++) {
      for (let x = 0; x < 128; x++) {
        const i = (y * 128 + x) * 4;
        const n = (rnd() - 0.5) * 24;
        png.data[i] = Math.max(0, Math.min(255, 128 + 90 * Math.sin(x / 9) * Math.cos(y / 13) + n));
        png.data[i + 1] = Math.max(0, Math.min(255, 100 + 60 * Math.sin((x + y) / 17) + n));
        png.data[i + 2] = Math.max(0, Math.min(255, 160 + 70 * Math.cos(x / 23 - y / 7) + n));
        png.data[i + 3] = 255;
      }
    }
    return new Uint8Array(PNG.sync.write(png, { colorType: 2 }));
  }

  it('keeps a style-only pack (14 norm layers × gamma/beta × 128 ch, float16, 128px preview) at tens of kB', async () => {
    const layers = Array.from({ length: 14 }, (_, i) => ({ name: `n${i + 1}`, channels: 128 }));
    const preview = realisticPreview();
    const meta = { id: 'wave', name: 'Wave', author: 'A', licence: 'CC-BY-4.0', created: '2025-01-31T12:00:00Z', baseModel: BASE_MODEL, training: { steps: 4000, seconds: 610, styleImage: 'wave.jpg' } };
    const one = await encodePack({ meta, styles: makeStyles(1, layers), preview: { png: preview, width: 128, height: 128 } });
    const eight = await encodePack({ meta, styles: makeStyles(8, layers), preview: { png: preview, width: 128, height: 128 } });
    const bare = await encodePack({ meta, styles: makeStyles(1, johnsonNormLayers(32)) });
    const manifestBytes = new DataView(one.buffer).getUint32(12, true);
    console.log(
      `[pack size] 1 style + ${preview.length} B preview: ${one.length} B (manifest ${manifestBytes} B, style data ${14 * 2 * 128 * 2} B); ` +
        `8 styles + preview: ${eight.length} B; johnson w32 (15 layers) 1 style, no preview: ${bare.length} B`,
    );
    expect(one.length).toBeGreaterThan(10_000);
    expect(one.length).toBeLessThan(100_000);
    expect(eight.length).toBeLessThan(200_000);
    expect(bare.length).toBeLessThan(16_000);
  });
});

describe('golden v1 file', () => {
  const url = new URL('./fixtures/golden-v1.stylepack', import.meta.url);
  function goldenInput(): PackEncodeInput {
    return {
      meta: {
        id: 'golden',
        name: 'Golden',
        author: 'stylepack tests',
        licence: 'CC0-1.0',
        created: '2025-01-01T00:00:00Z',
        baseModel: { id: 'golden-model', sha256: '0123456789abcdef'.repeat(4) },
        training: { steps: 1 },
      },
      styles: [
        { name: 'A', tensors: { 'c1/gamma': tensor([4], (i) => 1 + i / 8), 'c1/beta': tensor([4], (i) => -i / 4) } },
        { name: 'B', tensors: { 'c1/gamma': tensor([4], (i) => 2 - i / 8), 'c1/beta': tensor([4], (i) => i / 2) } },
      ],
      weights: { 'c1/conv/w': tensor([1, 1, 2, 4], (i) => (i - 4) / 16) },
      preview: { png: makePng(2, 2, (x, y) => [x * 255, y * 255, 0]), width: 2, height: 2 },
    };
  }

  it('still decodes, and the writer still produces it byte for byte', async () => {
    const fresh = await encodePack(goldenInput(), { encoding: 'float16', weightsEncoding: 'uint8' });
    if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(url, fresh); // only when changing the writer on purpose
    const golden = new Uint8Array(readFileSync(url));
    const pack = await decodePack(golden);
    expect(Array.from(pack.styles[0]!.tensors['c1/gamma']!.data)).toEqual([1, 1.125, 1.25, 1.375]);
    expect(Array.from(pack.styles[1]!.tensors['c1/beta']!.data)).toEqual([0, 0.5, 1, 1.5]);
    const w = Array.from(pack.weights!['c1/conv/w']!.data);
    w.forEach((v, i) => expect(Math.abs(v - (i - 4) / 16)).toBeLessThan(1e-3));
    expect(pack.manifest.training).toEqual({ steps: 1 });
    expect(fresh).toEqual(golden);
  });
});

describe('encodePack rejects bad input', () => {
  const cases: [string, (i: PackEncodeInput) => void, string, RegExp, object?][] = [
    ['a non-slug id', (i) => (i.meta.id = 'My Pack'), 'BAD_INPUT', /manifest\.id is "My Pack"; ids use only a–z/],
    ['a missing name', (i) => delete (i.meta as Partial<typeof i.meta>).name, 'BAD_INPUT', /lacks the required field "name"/],
    ['a long name', (i) => (i.meta.name = 'x'.repeat(101)), 'BAD_INPUT', /101 characters long; at most 100/],
    ['a bad created date', (i) => (i.meta.created = 'yesterday'), 'BAD_INPUT', /not an ISO 8601/],
    ['a bad base model hash', (i) => (i.meta.baseModel = { id: 'm', sha256: 'xyz' }), 'BAD_INPUT', /64 lower-case hex/],
    ['NaN in a style', (i) => (i.styles[0]!.tensors['c1/gamma']!.data[3] = NaN), 'BAD_VALUE', /holds NaN at index 3/],
    ['a value beyond float16', (i) => (i.styles[1]!.tensors['c2/beta']!.data[0] = 1e5), 'BAD_VALUE', /beyond float16's range/],
    ['data that does not fit the shape', (i) => (i.styles[0]!.tensors['c1/beta']!.shape = [9]), 'BAD_SHAPE', /has 8 values, but its shape \[9\] needs 9/],
    ['a fractional dimension', (i) => (i.weights!['c1/conv/b']!.shape = [2.5, 3]), 'BAD_SHAPE', /dimension 0 = 2.5/],
    ['rank 5', (i) => (i.weights!['c1/conv/b']!.shape = [1, 1, 1, 1, 8]), 'BAD_SHAPE', /rank 5/],
    ['a style tensor not named gamma/beta', (i) => (i.styles[0]!.tensors['c1/scale'] = tensor([8], () => 1)), 'BAD_INPUT', /"<normLayer>\/gamma"/],
    ['styles with different tensors', (i) => delete i.styles[1]!.tensors['c2/beta'], 'BAD_INPUT', /has no tensor "c2\/beta"/],
    ['duplicate style names', (i) => (i.styles[1]!.name = 'Style 1'), 'BAD_INPUT', /repeats the style name/],
    ['no styles', (i) => (i.styles = []), 'BAD_INPUT', /non-empty array/],
    ['a preview of the wrong size', (i) => (i.preview!.width = 9), 'BAD_PREVIEW', /8×8 pixels, but 9×8 is declared/],
    ['a preview that is not a PNG', (i) => (i.preview!.png = new Uint8Array(64)), 'BAD_PREVIEW', /not a PNG/],
    ['training metadata JSON cannot hold', (i) => (i.meta.training = { when: new Date() }), 'BAD_INPUT', /meta\.training\.when is not a plain JSON object/],
    ['undefined in training metadata', (i) => (i.meta.training = { a: [1, undefined] }), 'BAD_INPUT', /meta\.training\.a\[1\] is undefined/],
    ['too many styles', (i) => (i.styles = makeStyles(65, [{ name: 'n', channels: 1 }])), 'TOO_LARGE', /65 styles; at most 64/],
    ['a weight named __proto__', (i) => Object.defineProperty(i.weights, '__proto__', { value: tensor([1], () => 1), enumerable: true }), 'BAD_INPUT', /not an allowed tensor name/],
    ['a file over the limit', () => undefined, 'TOO_LARGE', /brings the pack over 1 KiB/, { limits: { maxFileBytes: 1024 } }],
    ['an unknown encoding', () => undefined, 'BAD_INPUT', /options\.encoding/, { encoding: 'int4' }],
  ];
  for (const [what, edit, code, message, opts] of cases) {
    it(`rejects ${what}`, async () => {
      const input = sampleInput();
      edit(input);
      await expectPackError(encodePack(input, opts), code, message);
    });
  }

  it('has the documented default limits', () => {
    expect(PACK_LIMITS).toMatchObject({
      maxFileBytes: 64 * 1024 * 1024,
      maxManifestBytes: 1024 * 1024,
      maxStyles: 64,
      maxTensors: 512,
      maxTensorElements: 16 * 1024 * 1024,
      maxRank: 4,
      maxPreviewBytes: 256 * 1024,
      maxPreviewSide: 256,
    });
    expect(Object.isFrozen(PACK_LIMITS)).toBe(true);
  });
});
