// Atomic writes: core's writeFileAtomic (temp file in the same directory, fsync, rename).
// Until '@stylepack/core/node' exports it, the same few lines live here.
import * as coreNode from '@stylepack/core/node';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

type WriteFn = (path: string, data: Uint8Array | string) => Promise<void>;

async function localWriteFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
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

const coreWrite = (coreNode as unknown as { writeFileAtomic?: WriteFn }).writeFileAtomic;

/** Write `data` to `path` so that readers see the old file or the whole new one, never half. */
export async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await (coreWrite ?? localWriteFileAtomic)(path, data);
}
