// Every malformed pack is rejected with the right PackError code and a message that says what is
// wrong and what to do.
import { beforeAll, describe, expect, it } from 'vitest';
import { PackError, decodePack, encodePack, type PackDecodeOptions } from './index.js';
import { BASE_MODEL, editPack, joinPack, makePng, sampleInput, splitPack } from './fixtures/testkit.js';

let good: Uint8Array; // styles float16, weights float32
let goodU8: Uint8Array; // styles float16, weights uint8
let bodyStart: number;

beforeAll(async () => {
  good = await encodePack(sampleInput());
  goodU8 = await encodePack(sampleInput(), { weightsEncoding: 'uint8' });
  bodyStart = 16 + new DataView(good.buffer).getUint32(12, true);
});

async function rejects(bytes: Uint8Array | Promise<Uint8Array>, code: string, message?: RegExp | string, opts?: PackDecodeOptions): Promise<PackError> {
  const e = await decodePack(await bytes, opts).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, `expected PackError ${code}`).toBeInstanceOf(PackError);
  const pe = e as PackError;
  expect(pe.code, pe.message).toBe(code);
  if (typeof message === 'string') expect(pe.message).toBe(message);
  else if (message) expect(pe.message).toMatch(message);
  return pe;
}

/** Runs `fn` while recording the byte sizes of the typed arrays / ArrayBuffers it constructs. */
async function largestAllocation(fn: () => Promise<unknown>): Promise<number> {
  const g = globalThis as unknown as Record<string, unknown>;
  const names = ['ArrayBuffer', 'Uint8Array', 'Uint16Array', 'Float32Array'];
  const saved = names.map((n) => g[n]);
  let largest = 0;
  names.forEach((n, i) => {
    g[n] = new Proxy(saved[i] as new (...a: unknown[]) => object, {
      construct(target, args, newTarget) {
        const a = args[0];
        const bpe = (target as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
        if (typeof a === 'number') largest = Math.max(largest, a * bpe);
        else if (a instanceof (saved[0] as typeof ArrayBuffer)) largest = Math.max(largest, (a as ArrayBuffer).byteLength);
        else if (a && typeof a === 'object' && 'length' in a) largest = Math.max(largest, Number(a.length) * bpe);
        return Reflect.construct(target, args, newTarget) as object;
      },
    });
  });
  try {
    await fn();
  } finally {
    names.forEach((n, i) => (g[n] = saved[i]));
  }
  return largest;
}

function withU32(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(at, value, true);
  return out;
}

function editText(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const p = splitPack(bytes);
  const text = p.manifestText.trimEnd();
  if (!text.includes(from)) throw new Error(`test bug: ${from} not in manifest`);
  return joinPack(text.replace(from, to), p.body, p.version);
}

describe('truncated files', () => {
  it('rejects a file cut at any point with TRUNCATED and says to download again', async () => {
    const total = good.length;
    await rejects(good.subarray(0, 0), 'TRUNCATED', /The file is empty \(0 bytes\); the download may be incomplete—get the file again\./);
    for (const n of [3, 8, 12, 15]) {
      await rejects(good.subarray(0, n), 'TRUNCATED', `The file ends after ${n} bytes but the pack header alone is 16 bytes; the download may be incomplete—get the file again.`);
    }
    for (const n of [16, 17, 100, bodyStart - 1]) {
      await rejects(good.subarray(0, n), 'TRUNCATED', new RegExp(`^The file ends after ${n} bytes but the header declares a manifest ending at byte ${bodyStart};`));
    }
    for (const n of [bodyStart, bodyStart + 1, bodyStart + 100, total - 1]) {
      await rejects(good.subarray(0, n), 'TRUNCATED', `The file ends after ${n} bytes but the manifest declares ${total}; the download may be incomplete—get the file again.`);
    }
  });
});

describe('not a pack / other versions', () => {
  it('rejects wrong magic and says what the file looks like', async () => {
    const png = makePng(4, 4, () => [0, 0, 0]);
    const e = await rejects(png, 'BAD_MAGIC', /^Not a \.stylepack file \(it starts with 89 50 4e 47 0d 0a 1a 0a "\.PNG\.\.\.\."/);
    expect(e.message).toMatch(/looks like a PNG image/);
    expect(e.message).toMatch(/Choose a \.stylepack file exported by stylepack/);
    await rejects(new TextEncoder().encode('<!DOCTYPE html><html>'), 'BAD_MAGIC', /HTML\/XML \(perhaps an error page/);
    await rejects(new TextEncoder().encode('ab'), 'BAD_MAGIC', /starts with 61 62 "ab"/);
    const lower = good.slice();
    lower[0] = 0x73; // "sTYLEPK"
    await rejects(lower, 'BAD_MAGIC');
  });

  it('rejects a future format version with an update hint', async () => {
    await rejects(withU32(good, 8, 3), 'UNSUPPORTED_VERSION', 'This pack uses format version 3, but this stylepack reads version 1. Update stylepack to open it.');
    await rejects(withU32(good, 8, 0), 'UNSUPPORTED_VERSION', /format version 0, which does not exist/);
    await rejects(withU32(good.subarray(0, 16), 8, 2), 'UNSUPPORTED_VERSION'); // version is reported even for a cut file
  });

  it('rejects a manifest that claims another version', async () => {
    await rejects(editPack(good, (m) => void (m.formatVersion = 2)), 'BAD_MANIFEST', /manifest\.formatVersion is 2, but the header says 1/);
    await rejects(editPack(good, (m) => void (m.format = 'other')), 'BAD_MANIFEST', /manifest\.format is the string "other", not "stylepack"/);
  });

  it('rejects non-bytes input and bad options', async () => {
    await expect(decodePack('STYLEPK' as unknown as Uint8Array)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await rejects(good, 'BAD_INPUT', /Pack limit "maxStyles" must be a positive integer/, { limits: { maxStyles: -1 } });
    await rejects(good, 'BAD_INPUT', /Unknown pack limit "maxFoo"/, { limits: { maxFoo: 1 } as never });
    await rejects(good, 'BAD_INPUT', /expectedBaseModel option/, { expectedBaseModel: { id: 'x', sha256: 'short' } });
  });
});

describe('sizes are checked before anything is allocated', () => {
  it('the allocation probe sees real allocations (control)', async () => {
    const input = sampleInput();
    input.weights!['big'] = { shape: [70_000], data: new Float32Array(70_000) };
    const bytes = await encodePack(input);
    expect(await largestAllocation(() => decodePack(bytes))).toBeGreaterThanOrEqual(280_000);
  });

  it('rejects a huge declared manifest length without allocating it', async () => {
    const bytes = withU32(good.slice(0, 64), 12, 0xffffffff);
    const largest = await largestAllocation(() => rejects(bytes, 'MANIFEST_TOO_LARGE', /^The pack header declares a manifest of 4294967295 bytes \(4 GiB\); at most 1 MiB is allowed\. The file is damaged or not a genuine pack; get it again\.$/));
    expect(largest).toBeLessThan(1 << 16);
  });

  it('rejects huge declared tensors without allocating them', async () => {
    for (const [shape, byteLength] of [
      [[1 << 20, 1 << 20], 2 ** 42],
      [[65536, 65536, 65536, 65536], 2 ** 66],
      [[4096, 4097], 4096 * 4097 * 4],
    ] as [number[], number][]) {
      const bytes = await editPack(good, (m) => void (m.weights['c1/conv/w'] = { dtype: 'float32', shape, offset: 0, byteLength }));
      const largest = await largestAllocation(() =>
        rejects(bytes, 'TOO_LARGE', /manifest\.weights\["c1\/conv\/w"\]\.shape declares more than 16777216 elements .* over the per-tensor limit\. No genuine pack is that large/),
      );
      expect(largest).toBeLessThan(1 << 16);
    }
  });

  it('rejects a huge declared body as truncated without allocating it', async () => {
    const bytes = await editPack(good, (m) => void (m.bodyByteLength = 2 ** 50), { fixLength: false });
    const largest = await largestAllocation(() => rejects(bytes, 'TRUNCATED', /^The file ends after \d+ bytes but the manifest declares 11258999068\d{5};/));
    expect(largest).toBeLessThan(1 << 16);
  });

  it('enforces the count, total and file limits', async () => {
    await rejects(
      editPack(good, (m) => void (m.styles = Array.from({ length: 65 }, () => m.styles[0]))),
      'TOO_LARGE',
      /manifest\.styles has 65 styles; at most 64 are allowed/,
    );
    await rejects(
      editPack(good, (m) => void (m.weights = Object.fromEntries(Array.from({ length: 513 }, (_, i) => [`w${i}`, m.weights['c1/conv/b']])))),
      'TOO_LARGE',
      /manifest\.weights brings the pack over 512 tensors/,
    );
    await rejects(good, 'TOO_LARGE', /brings the pack over 100 tensor elements in all/, { limits: { maxTotalElements: 100 } });
    await rejects(good, 'TOO_LARGE', /^The file is \d\.\d KiB; a style pack is at most 1000 B, and no pack is that large\./, { limits: { maxFileBytes: 1000 } });
    await rejects(editPack(good, (m) => void (m.preview.byteLength = 300_000)), 'TOO_LARGE', /preview is 293 KiB; previews may be at most 256 KiB/);
    await rejects(editPack(good, (m) => void (m.training.notes = 'x'.repeat(70_000))), 'TOO_LARGE', /manifest\.training is 68\.\d KiB of JSON/);
    await rejects(editPack(good, (m) => void (m.weights['c1/conv/w'].shape = [1, 1, 1, 1, 216])), 'BAD_SHAPE', /has rank 5; at most 4/);
  });
});

describe('integrity', () => {
  it('rejects a flipped body byte as a checksum mismatch', async () => {
    for (const at of [bodyStart, bodyStart + 37, good.length - 1]) {
      const bad = good.slice();
      bad[at]! ^= 0x01;
      await rejects(bad, 'BAD_CHECKSUM', /^The pack is damaged or was modified: checksum mismatch \(.*\)\. Get the file again from its source\.$/);
    }
  });

  it('rejects trailing bytes', async () => {
    const longer = new Uint8Array(good.length + 3);
    longer.set(good);
    await rejects(longer, 'BAD_LAYOUT', /The file has 3 unexpected bytes after the \d+ bytes the manifest declares/);
  });

  it('rejects malformed bodySha256 and bodyByteLength', async () => {
    await rejects(editPack(good, (m) => void (m.bodySha256 = 'ABC'), { fixChecksum: false }), 'BAD_MANIFEST', /bodySha256 must be 64 lower-case hex digits/);
    await rejects(editPack(good, (m) => void (m.bodyByteLength = -1), { fixLength: false }), 'BAD_MANIFEST', /bodyByteLength must be a non-negative integer, not -1/);
  });
});

describe('layout', () => {
  it('rejects overlapping, out-of-range and misaligned blobs', async () => {
    await rejects(
      editPack(good, (m) => void (m.styles[0].tensors['c1/beta'].offset = 8)),
      'BAD_LAYOUT',
      /manifest\.styles\[0\]\.tensors\["c1\/beta"\] \(body bytes 8–24\) overlaps manifest\.styles\[0\]\.tensors\["c1\/gamma"\] \(bytes 0–16\)/,
    );
    await rejects(
      editPack(good, (m) => void (m.weights['c1/conv/b'].offset = m.styles[1].tensors['r1a/beta'].offset)),
      'BAD_LAYOUT',
      /overlaps/,
    );
    await rejects(
      editPack(good, (m) => void (m.preview.offset = Math.floor(m.bodyByteLength / 8) * 8 - 8)),
      'BAD_LAYOUT',
      /manifest\.preview occupies body bytes \d+–\d+, outside the \d+-byte body/,
    );
    await rejects(editPack(good, (m) => void (m.styles[1].tensors['c2/gamma'].offset += 4)), 'BAD_LAYOUT', /which is not a multiple of 8/);
    await rejects(editPack(good, (m) => void (m.weights['c1/conv/w'].offset = -8)), 'BAD_MANIFEST', /offset must be a non-negative integer, not -8/);
    await rejects(editPack(good, (m) => void (m.weights['c1/conv/w'].offset = 2 ** 53)), 'BAD_MANIFEST', /offset must be a non-negative integer/);
  });
});

describe('shapes', () => {
  it('rejects invalid shapes in the manifest', async () => {
    const setShape = (shape: unknown) => editPack(good, (m) => void (m.styles[0].tensors['c1/gamma'].shape = shape));
    await rejects(setShape([9]), 'BAD_SHAPE', /has shape \[9\] \(9 float16 elements = 18 bytes\) but byteLength 16/);
    await rejects(setShape([2.5, 3]), 'BAD_SHAPE', /has dimension 0 = 2\.5; dimensions must be positive integers/);
    await rejects(setShape([-8]), 'BAD_SHAPE', /dimension 0 = -8/);
    await rejects(setShape([0]), 'BAD_SHAPE', /dimension 0 = 0/);
    await rejects(setShape(['8']), 'BAD_SHAPE', /dimension 0 = the string "8"/);
    await rejects(setShape(8), 'BAD_SHAPE', /must be an array of positive integers, not 8/);
    await rejects(
      editPack(good, (m) => void Object.assign(m.styles[1].tensors['c1/gamma'], { shape: [2, 4] })),
      'BAD_SHAPE',
      /manifest\.styles\[1\] \("Style 2"\) tensor "c1\/gamma" has shape \[2, 4\] but \[8\] in manifest\.styles\[0\] \("Style 1"\)/,
    );
    await rejects(
      editPack(good, (m) => void delete m.styles[1].tensors['c2/beta']),
      'BAD_MANIFEST',
      /manifest\.styles\[1\] \("Style 2"\) has no tensor "c2\/beta", which manifest\.styles\[0\] \("Style 1"\) has/,
    );
  });

  it('rejects tensors that do not match the expected shapes, naming the tensor and both shapes', async () => {
    const expectedShapes = { 'c1/gamma': [8], 'c1/beta': [8], 'c2/gamma': [16], 'c2/beta': [16], 'r1a/gamma': [16], 'r1a/beta': [16] };
    await rejects(
      good,
      'BAD_SHAPE',
      /^The pack's style "Style 1" has style tensor "c2\/gamma" with shape \[16\], but this stylepack's base model needs \[32\]\. The pack was made for a different model architecture; get a pack made for this one\.$/,
      { expectedShapes: { ...expectedShapes, 'c2/gamma': [32] } },
    );
    await rejects(good, 'BAD_SHAPE', /has no style tensor "u1\/gamma" \(expected shape \[8\]\)/, { expectedShapes: { ...expectedShapes, 'u1/gamma': [8] } });
    const { 'r1a/beta': _, ...fewer } = expectedShapes;
    await rejects(good, 'BAD_SHAPE', /has the style tensor "r1a\/beta", which this stylepack's base model does not have/, { expectedShapes: fewer });
    await rejects(good, 'BAD_SHAPE', /the weights has weight "c1\/conv\/w" with shape \[3, 3, 3, 8\], but .* needs \[3, 3, 3, 16\]/, {
      expectedShapes,
      expectedWeightShapes: { 'c1/conv/w': [3, 3, 3, 16], 'c1/conv/b': [8] },
    });
  });
});

describe('values', () => {
  it('rejects NaN and Infinity in every storage type', async () => {
    // float16 NaN in the first style's c1/gamma, index 2.
    await rejects(
      editPack(good, (m, body) => void new DataView(body.buffer).setUint16(m.styles[0].tensors['c1/gamma'].offset + 4, 0x7e00, true)),
      'BAD_VALUE',
      /^The pack's tensor "c1\/gamma" of style "Style 1" holds NaN at index 2; a usable pack holds only finite numbers\./,
    );
    await rejects(
      editPack(good, (m, body) => void new DataView(body.buffer).setUint16(m.styles[1].tensors['r1a/beta'].offset, 0xfc00, true)),
      'BAD_VALUE',
      /tensor "r1a\/beta" of style "Style 2" holds -Infinity at index 0/,
    );
    await rejects(
      editPack(good, (m, body) => void new DataView(body.buffer).setFloat32(m.weights['c1/conv/b'].offset + 12, Infinity, true)),
      'BAD_VALUE',
      /weight "c1\/conv\/b" holds Infinity at index 3/,
    );
    await rejects(editPack(goodU8, (m) => void (m.weights['c1/conv/w'].quant.scale = 1e300)), 'BAD_VALUE', /weight "c1\/conv\/w" holds (-)?Infinity/);
  });

  it('validates uint8 quantization parameters', async () => {
    await rejects(editPack(goodU8, (m) => void delete m.weights['c1/conv/w'].quant), 'BAD_MANIFEST', /quant is required for uint8 tensors/);
    await rejects(editPack(goodU8, (m) => void (m.weights['c1/conv/w'].quant.scale = -1)), 'BAD_MANIFEST', /quant\.scale must be a finite number ≥ 0, not -1/);
    await rejects(editPack(good, (m) => void (m.weights['c1/conv/w'].quant = { min: 0, scale: 1 })), 'BAD_MANIFEST', /quant is only allowed for uint8 tensors, not float32/);
    await rejects(editPack(good, (m) => void (m.weights['c1/conv/w'].dtype = 'int8')), 'BAD_MANIFEST', /dtype is the string "int8"; it must be "float32", "float16" or "uint8"/);
  });
});

describe('manifest', () => {
  it('rejects prototype-pollution keys anywhere, and pollutes nothing', async () => {
    const cases: [string, string, RegExp][] = [
      ['{"format"', '{"__proto__":{"polluted":true},"format"', /manifest has the key "__proto__"/],
      ['"training":{', '"training":{"nested":{"__proto__":{"polluted":true}},', /manifest\.training\.nested has the key "__proto__"/],
      ['"tensors":{', '"tensors":{"__proto__":{"dtype":"float16","shape":[8],"offset":0,"byteLength":16},', /manifest\.styles\[0\]\.tensors has the key "__proto__"/],
      ['"baseModel":{', '"baseModel":{"constructor":{"prototype":{"polluted":true}},', /manifest\.baseModel has the key "constructor"/],
      ['"weights":{', '"weights":{"prototype":1,', /manifest\.weights has the key "prototype"/],
    ];
    for (const [from, to, message] of cases) {
      const e = await rejects(editText(good, from, to), 'BAD_MANIFEST', message);
      expect(e.message).toMatch(/which is not allowed \(it could tamper with object prototypes\)/);
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('rejects wrong base model, naming both', async () => {
    await rejects(
      good,
      'WRONG_BASE_MODEL',
      /^This pack was trained for base model "johnson-w32" \(sha256 aaaaaaaaaaaa…\); this stylepack has "johnson-w64" \(sha256 bbbbbbbbbbbb…\)\. Get a version of the pack made for this base model, or retrain the style on it\.$/,
      { expectedBaseModel: { id: 'johnson-w64', sha256: 'b'.repeat(64) } },
    );
    await rejects(good, 'WRONG_BASE_MODEL', /"johnson-w32" \(sha256 aaaa.*"johnson-w32" \(sha256 cccc/, { expectedBaseModel: { id: BASE_MODEL.id, sha256: 'c'.repeat(64) } });
  });

  it('rejects bad text, JSON and fields', async () => {
    const p = splitPack(good);
    const badUtf8 = good.slice();
    badUtf8[20] = 0xff;
    await rejects(badUtf8, 'BAD_MANIFEST', /The pack manifest is not valid UTF-8 text; the file is damaged—get it again\./);
    await rejects(joinPack('{"format":"stylepack",', p.body), 'BAD_MANIFEST', /The pack manifest is not valid JSON \(.*\); the file is damaged—get it again\./);
    await rejects(joinPack('[1,2,3]', p.body), 'BAD_MANIFEST', /the manifest must be a JSON object, not an array/);
    await rejects(withU32(good, 12, 0), 'BAD_MANIFEST', /empty manifest/);

    const field = (edit: (m: any) => void) => editPack(good, (m) => void edit(m)); // eslint-disable-line @typescript-eslint/no-explicit-any
    await rejects(field((m) => (m.extra = 1)), 'BAD_MANIFEST', /manifest has an unknown field "extra"/);
    await rejects(field((m) => delete m.licence), 'BAD_MANIFEST', /manifest lacks the required field "licence"/);
    await rejects(field((m) => (m.id = '-bad-')), 'BAD_MANIFEST', /manifest\.id is "-bad-"; ids use only a–z, 0–9 and "-"/);
    await rejects(field((m) => (m.id = 'a'.repeat(65))), 'BAD_MANIFEST', /manifest\.id is 65 characters long; at most 64/);
    await rejects(field((m) => (m.name = 'n'.repeat(101))), 'BAD_MANIFEST', /manifest\.name is 101 characters long; at most 100 are allowed/);
    await rejects(field((m) => (m.name = 'evil\u202ename')), 'BAD_MANIFEST', /manifest\.name contains control or text-direction characters/);
    await rejects(field((m) => (m.licence = 'l'.repeat(201))), 'BAD_MANIFEST', /licence is 201 characters long; at most 200/);
    await rejects(field((m) => (m.author = 42)), 'BAD_MANIFEST', /manifest\.author must be a string, not 42/);
    await rejects(field((m) => (m.created = '31/01/2025')), 'BAD_MANIFEST', /manifest\.created is "31\/01\/2025", not an ISO 8601 date-time/);
    await rejects(field((m) => (m.baseModel.sha256 = 'A'.repeat(64))), 'BAD_MANIFEST', /baseModel\.sha256 must be 64 lower-case hex digits/);
    await rejects(field((m) => (m.styles = [])), 'BAD_MANIFEST', /manifest\.styles is empty; a pack holds at least one style/);
    await rejects(field((m) => (m.styles[1].name = 'Style 1')), 'BAD_MANIFEST', /repeats the style name "Style 1"/);
    await rejects(field((m) => (m.styles[0].tensors = {})), 'BAD_MANIFEST', /tensors is empty/);
    await rejects(field((m) => (m.weights['bad name!'] = m.weights['c1/conv/b'])), 'BAD_MANIFEST', /has the tensor name "bad name!"/);
    await rejects(
      field((m) => {
        let deep: unknown = 1;
        for (let i = 0; i < 30; i++) deep = [deep];
        m.training.deep = deep;
      }),
      'BAD_MANIFEST',
      /is nested more than 20 levels deep/,
    );
  });

  it('rejects a broken preview', async () => {
    await rejects(editPack(good, (m) => void (m.preview.mime = 'image/jpeg')), 'BAD_PREVIEW', /preview\.mime is the string "image\/jpeg"; only "image\/png" is allowed/);
    await rejects(editPack(good, (m) => void (m.preview.width = 300)), 'BAD_PREVIEW', /preview is 300×8 pixels; each side must be 1–256/);
    await rejects(editPack(good, (m) => void (m.preview.height = 9)), 'BAD_PREVIEW', /^The pack's preview image is 8×8 pixels, but 8×9 is declared;/);
    await rejects(
      editPack(good, (m, body) => void body.fill(0, m.preview.offset, m.preview.offset + 8)),
      'BAD_PREVIEW',
      /preview image is not a PNG \(bad signature\)/,
    );
  });
});
