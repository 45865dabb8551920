// Seeded fuzz of the CLI's image reader (issue 11, "keep it in the tests"): truncated and
// bit-flipped PNG/JPEG/WebP, byte runs, decompression-bomb headers (huge declared sizes with
// valid checksums) and odd formats. readImage either returns whole RGBA pixels of the declared
// size, or throws the CLI's own error naming the file — never another error, never a hang.
// STYLEPACK_FUZZ_SEED picks another seed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32 } from '@stylepack/core';
import { prng } from '../../packages/core/src/pack/fixtures/testkit.js';
import { CliError } from '../../packages/trainer/src/errors.js';
import { readImage } from '../../packages/trainer/src/io/images.js';
import { tempDir } from './helpers.js';

const tmp = tempDir('imgfuzz');
const SEED = Number(process.env.STYLEPACK_FUZZ_SEED ?? 12);
const N = 240;
const seeds: { name: string; bytes: Buffer }[] = [];


/** A PNG whose IHDR declares w×h (CRC fixed), i.e. a bomb header over real small pixel data. */
function pngDeclaring(png: Buffer, w: number, h: number): Buffer {
  const b = Buffer.from(png);
  b.writeUInt32BE(w, 16);
  b.writeUInt32BE(h, 20);
  b.writeUInt32BE(crc32(b.subarray(12, 29)), 29);
  return b;
}

/** A JPEG whose SOF0/SOF2 declares w×h. */
function jpegDeclaring(jpg: Buffer, w: number, h: number): Buffer {
  const b = Buffer.from(jpg);
  for (let i = 2; i + 9 < b.length; i++) {
    if (b[i] === 0xff && (b[i + 1] === 0xc0 || b[i + 1] === 0xc2)) {
      b.writeUInt16BE(h, i + 5);
      b.writeUInt16BE(w, i + 7);
      break;
    }
  }
  return b;
}

beforeAll(async () => {
  const raw = Buffer.alloc(24 * 16 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 37) & 255;
  const img = () => sharp(raw, { raw: { width: 24, height: 16, channels: 3 } });
  const png = await img().png().toBuffer();
  const jpg = await img().jpeg().toBuffer();
  seeds.push({ name: 'png', bytes: png }, { name: 'jpg', bytes: jpg }, { name: 'webp', bytes: await img().webp().toBuffer() });
  seeds.push({ name: 'png-alpha', bytes: await img().ensureAlpha(0.5).png().toBuffer() });
  seeds.push({ name: 'png-16bit', bytes: await img().toColourspace('rgb16').png().toBuffer() });
  seeds.push({ name: 'png-grey', bytes: await img().greyscale().png().toBuffer() });
  seeds.push({ name: 'png-palette', bytes: await img().png({ palette: true }).toBuffer() });
  seeds.push({ name: 'jpg-progressive', bytes: await img().jpeg({ progressive: true }).toBuffer() });
  seeds.push({ name: 'jpg-cmyk', bytes: await img().toColourspace('cmyk').jpeg().toBuffer() });
  // Odd or unsupported formats and bombs: each must be refused or read whole.
  seeds.push({ name: 'gif', bytes: await img().gif().toBuffer() });
  seeds.push({ name: 'tiff', bytes: await img().tiff().toBuffer() });
  seeds.push({ name: 'svg', bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="30000" height="30000"><rect width="100%" height="100%"/></svg>') });
  seeds.push({ name: 'png-bomb', bytes: pngDeclaring(png, 100_000, 100_000) });
  seeds.push({ name: 'png-bomb-tall', bytes: pngDeclaring(png, 1, 2_000_000_000) });
  seeds.push({ name: 'png-zero', bytes: pngDeclaring(png, 0, 16) });
  seeds.push({ name: 'jpg-bomb', bytes: jpegDeclaring(jpg, 65_500, 65_500) });
  seeds.push({ name: 'jpg-zero', bytes: jpegDeclaring(jpg, 0, 0) });
  seeds.push({ name: 'text', bytes: Buffer.from('not an image\n') });
});
afterAll(() => tmp.cleanup());

describe('image reader fuzz', () => {
  it(`odd formats, bombs and ${N} seeded mutants: whole pixels or the CLI's own error`, async () => {
    const rnd = prng(SEED);
    const int = (n: number) => Math.floor(rnd() * n);
    const cases: { label: string; bytes: Buffer }[] = seeds.map((s) => ({ label: s.name, bytes: s.bytes }));
    for (let i = 0; i < N; i++) {
      const s = seeds[i % 9]!; // mutate the nine decodable seeds
      const b = Buffer.from(s.bytes);
      const kind = i % 4;
      if (kind === 0) for (let k = 1 + int(4); k > 0; k--) b[int(b.length)]! ^= 1 << int(8);
      if (kind === 2) {
        const at = int(b.length);
        b.fill([0, 0xff, int(256)][int(3)]!, at, Math.min(b.length, at + 1 + int(64)));
      }
      const bytes = kind === 1 ? b.subarray(0, int(b.length)) : kind === 3 ? Buffer.concat([b, Buffer.from(Array.from({ length: 1 + int(64) }, () => int(256)))]) : b;
      cases.push({ label: `${s.name} mutant ${i} (kind ${kind})`, bytes });
    }
    let read = 0;
    const reasons = new Map<string, number>();
    const started = Date.now();
    for (const [i, c] of cases.entries()) {
      const path = join(tmp.dir, `case-${i}.img`);
      writeFileSync(path, c.bytes);
      try {
        const img = await readImage(path);
        read++;
        expect(img.width * img.height, c.label).toBeGreaterThan(0);
        expect(img.data.length, c.label).toBe(img.width * img.height * 4);
      } catch (e) {
        if (!(e instanceof CliError)) throw new Error(`seed ${SEED}, ${c.label}: not the CLI's own error: ${String(e)}`);
        expect(e.message, c.label).toContain(path);
        const reason = /is empty|not an image|is a \w+ file|too large|no pixels|damaged/.exec(e.message)?.[0] ?? e.message;
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
    }
    console.log(`[image fuzz] seed ${SEED}: ${cases.length} files in ${Date.now() - started} ms, ${read} read, refused ${JSON.stringify(Object.fromEntries(reasons))}`);
    expect(read).toBeGreaterThan(0);
    for (const r of ['not an image', 'too large', 'damaged']) expect(reasons.get(r) ?? 0, r).toBeGreaterThan(0);
  }, 60_000);
});
