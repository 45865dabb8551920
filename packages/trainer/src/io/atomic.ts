// Atomic writes via core's writeFileAtomic (temp file in the same directory, fsync, rename),
// creating the parent directory first. Failures become a CliError saying what to do.
import { writeFileAtomic } from '@stylepack/core/node';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CliError } from '../errors.js';
import { fsErrorMessage } from './fs-errors.js';

/**
 * Write `data` to `path` so that readers see the old file or the whole new one, never half.
 * `input`: the input it was made from (named in errors); `ifFull`: what to do on a full disk.
 */
export async function writeAtomic(path: string, data: Uint8Array | string, opts: { input?: string; ifFull?: string } = {}): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, data);
  } catch (e) {
    throw new CliError(fsErrorMessage(e, path, opts.ifFull, opts.input), { cause: e });
  }
}
