// Atomic file writes: write to a temp file in the same directory, fsync, then rename over the
// target. A crash or Ctrl-C mid-write leaves either the old file or the new one, never half.
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Characters of the target's name kept in a temp name: long names stay within NAME_MAX. */
const TEMP_STEM = 32;
let tempCounter = 0;

/** The temp file a write of `path` goes through: ".<name, cut>.<pid>-<n>.tmp", next to it. */
function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path).slice(0, TEMP_STEM)}.${process.pid.toString(36)}-${(tempCounter++).toString(36)}.tmp`);
}

/** Is `name` a temp file of writeFileAtomic (this format, or the older ".<name>.<pid>.<ms>.tmp")? */
export function isAtomicTemp(name: string): boolean {
  return /^\..+\.(?:[0-9a-z]+-[0-9a-z]+|\d+\.\d+)\.tmp$/.test(name);
}

export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempPathFor(path);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
