// Renders how strokes look at 1024 px: each row is one style; columns are the 512 px centre of a
// 1024 px stylize (shown 1:1, not downscaled) with the old packs, then with the new ones.
//   node scripts/render-1024-compare.mjs --photo P.jpg --old DIR --new DIR --out F.jpg [--styles a,b,c]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const { values } = parseArgs({ options: { photo: { type: 'string' }, old: { type: 'string' }, new: { type: 'string' }, out: { type: 'string' }, styles: { type: 'string' } } });
const styles = (values.styles ?? 'van-gogh-starry-night,hokusai-great-wave,kandinsky-composition-viii').split(',');
const tmp = mkdtempSync(join(tmpdir(), 'sp-1024-'));
const CROP = 512;
try {
  const input = join(tmp, 'in.png');
  await sharp(values.photo).rotate().resize(1024, 1024, { fit: 'cover' }).png().toFile(input);
  const cells = [];
  for (const [r, style] of styles.entries()) {
    for (const [c, dir] of [values.old, values.new].entries()) {
      const out = join(tmp, `${r}-${c}.png`);
      execFileSync(process.execPath, ['packages/trainer/bin/stylepack.js', 'stylize', '--pack', join(dir, `${style}.stylepack`), input, '--out', out], { stdio: 'inherit' });
      const crop = await sharp(out).extract({ left: 256, top: 256, width: CROP, height: CROP }).png().toBuffer();
      cells.push({ input: crop, top: r * CROP, left: c * CROP });
    }
  }
  await sharp({ create: { width: 2 * CROP, height: styles.length * CROP, channels: 3, background: 'white' } }).composite(cells).jpeg({ quality: 85 }).toFile(values.out);
  console.log(`wrote ${values.out}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
