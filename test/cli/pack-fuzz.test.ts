// Seeded fuzz of stylize's loading path (issue 11, "keep it in the tests"): mutants of a real
// style pack go through the CLI (`stylepack stylize --pack MUTANT`), and each is either refused
// with the library's own error (exit 1, "[CODE]", no stack, nothing written) or accepted and
// stylized to finite pixels (checked in float, before PNG encoding would hide NaN as black).
// The full 1,200-mutant decodePack fuzz is packages/core/src/pack/fuzz.test.ts.
// STYLEPACK_FUZZ_SEED picks another seed.
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeStylePack, rgbaToTensor } from '@stylepack/core';
import { editPack, joinPack, prng, splitPack } from '../../packages/core/src/pack/fixtures/testkit.js';
import { readImage } from '../../packages/trainer/src/io/images.js';
import { baseForPack, blendVectors, disposeVectors, generatorFor, readPack } from '../../packages/trainer/src/models.js';
import { cli, tempDir, writePng, writeTinyBase } from './helpers.js';

const tmp = tempDir('packfuzz');
const d = (...p: string[]) => join(tmp.dir, ...p);
const SEED = Number(process.env.STYLEPACK_FUZZ_SEED ?? 11);
const SAMPLE = 64;
let good: Uint8Array;

beforeAll(async () => {
  const base = await writeTinyBase(d('model.stylepack'));
  good = await encodeStylePack(base, base.styles[0]!, { author: 'test', licence: 'CC0-1.0', training: { steps: 3, styleImage: 'x.png' } });
  await writePng(d('in.png'), 20, 16, (x, y) => [x * 12, y * 15, 90]);
});
afterAll(() => tmp.cleanup());

async function mutant(rnd: () => number, i: number): Promise<Uint8Array> {
  const int = (n: number) => Math.floor(rnd() * n);
  switch (i % 6) {
    case 0: {
      const b = good.slice();
      for (let k = 1 + int(3); k > 0; k--) b[int(b.length)]! ^= 1 << int(8);
      return b;
    }
    case 1:
      return good.slice(0, int(good.length));
    case 2: // checksum-fixed body bytes: reaches the value checks and, if accepted, stylize
      return editPack(good, (_, body) => {
        for (let k = 1 + int(6); k > 0; k--) body[int(body.length)] = int(256);
      });
    case 3: // checksum-fixed float16 patterns: ±65504, 0 runs, NaN/Inf bits, tiny values
      return editPack(good, (_, body) => {
        const p = [[0xff, 0x7b], [0xff, 0xfb], [0x00, 0x00], [0x00, 0x7e], [0x00, 0x7c], [0x01, 0x00], [0x00, 0x3c]][int(7)]!;
        const at = int(body.length) & ~1;
        for (let r = 0; r < (rnd() < 0.5 ? 1 : 1 + int(64)); r++) body.set(p, Math.min(body.length - 2, at + 2 * r));
      });
    case 4: { // a manifest field replaced (checksum still valid)
      const parts = splitPack(good);
      const keys = ['id', 'name', 'author', 'created', 'baseModel', 'styles', 'training', 'preview'];
      const nasty = [null, 0, -1, '', 'x'.repeat(500), '\u001b[2J', [], {}, { id: 'x', sha256: 'f'.repeat(64) }, 1e308];
      parts.manifest[keys[int(keys.length)]!] = structuredClone(nasty[int(nasty.length)]);
      return joinPack(JSON.stringify(parts.manifest), parts.body, parts.version);
    }
    default: { // header fields
      const b = good.slice();
      new DataView(b.buffer).setUint32(rnd() < 0.5 ? 8 : 12, [0, 2, 0xffffffff, int(2 ** 32)][int(4)]!, true);
      return b;
    }
  }
}

describe('stylize loading path fuzz', () => {
  it(`${SAMPLE} pack mutants through stylepack stylize: refused cleanly or stylized to finite pixels`, async () => {
    const rnd = prng(SEED);
    const img = await readImage(d('in.png'));
    let accepted = 0;
    const codes = new Map<string, number>();
    for (let i = 0; i < SAMPLE; i++) {
      const file = d(`m${i}.stylepack`);
      writeFileSync(file, await mutant(rnd, i));
      const out = d('out', `m${i}.png`);
      const r = await cli(['stylize', '--pack', file, '--base', d('model.stylepack'), d('in.png'), '--out', out, '--backend', 'wasm']);
      const where = `seed ${SEED}, mutant ${i} (kind ${i % 6}): exit ${r.code}\n${r.stderr}`;
      expect(r.stderr, where).not.toMatch(/unexpected error|\n\s+at |INTERNAL/);
      if (r.code === 0) {
        accepted++;
        expect(existsSync(out), where).toBe(true);
        // The same loading path in-process, to see the float output before PNG encoding.
        const pack = await readPack(file);
        const base = await baseForPack(pack, file, d('model.stylepack'));
        const g = generatorFor(base);
        const v = blendVectors(base, [{ style: pack.styles[0]!, weight: 1 }]);
        const x = rgbaToTensor(img);
        const y = g.stylize(x, v, 1);
        const data = await y.data();
        tf.dispose([x, y]);
        disposeVectors(v);
        g.dispose();
        expect(data.every(Number.isFinite), where).toBe(true);
      } else {
        expect(r.code, where).toBe(1);
        // The library's own error ([CODE]), or the CLI's for a valid pack of another base model.
        const m = /\[([A-Z_]+)\]|(was made for base model)/.exec(r.stderr);
        expect(m, where).not.toBeNull();
        const code = m![1] ?? 'OTHER_BASE';
        codes.set(code, (codes.get(code) ?? 0) + 1);
        expect(existsSync(out), where).toBe(false);
      }
      rmSync(file);
    }
    console.log(`[stylize fuzz] seed ${SEED}: ${SAMPLE} mutants, ${accepted} stylized, refused ${JSON.stringify(Object.fromEntries(codes))}`);
    expect(accepted).toBeGreaterThan(0);
    expect(codes.size).toBeGreaterThan(2);
  }, 60_000);
});
