// Atomic writes via core's writeFileAtomic (temp file in the same directory, fsync, rename),
// creating the parent directory first.
import { writeFileAtomic } from '@stylepack/core/node';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Write `data` to `path` so that readers see the old file or the whole new one, never half. */
export async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, data);
}
