// A failed file write, said the way a user can act on: what happened, to which file (and for
// which input), and what to do. No errno codes, no stack, no temp file names.
import { statSync } from 'node:fs';
import { dirname } from 'node:path';

/** The nearest existing ancestor folder of `path` that is in fact a file, if any. */
function fileInTheWay(path: string): string | undefined {
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      return statSync(dir).isDirectory() ? undefined : dir;
    } catch {
      /* does not exist: look further up */
    }
  }
  return undefined;
}

/**
 * `todo`: what to do when the disk is full (e.g. "Free some space, then run again with
 * --resume."); `input`: the input the file was made from.
 */
export function fsErrorMessage(e: unknown, path: string, todo?: string, input?: string): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  const target = `Cannot write ${path}${input ? ` (from ${input})` : ''}`;
  const file = code === 'ENOTDIR' || code === 'EEXIST' || code === 'ENOENT' ? fileInTheWay(path) : undefined;
  if (file) return `${target}: ${file} is a file, not a folder. Choose another --out.`;
  switch (code) {
    case 'ENOSPC':
      return `${target}: the disk is full. ${todo ?? 'Free some space and run again.'}`;
    case 'EDQUOT':
      return `${target}: your disk quota is used up. ${todo ?? 'Free some space and run again.'}`;
    case 'ENAMETOOLONG':
      return `${target}: the file name is too long for this file system. Choose a shorter --out (or rename the input).`;
    case 'EACCES':
    case 'EPERM':
      return `${target}: permission denied. Choose a folder you can write to.`;
    case 'EROFS':
      return `${target}: the file system is read-only. Choose another --out.`;
    case 'EISDIR':
      return `${target}: it is a folder. Choose a file name for --out.`;
    case 'ENOENT':
      return `${target}: its folder does not exist (was it removed while writing?). Run again.`;
    default: {
      // Unknown: the system's words without the errno prefix or the temp file's path.
      const msg = (e instanceof Error ? e.message : String(e)).replace(/^[A-Z]+: /, '').replace(/'[^']*\.tmp'/g, `'${path}'`);
      return `${target}: ${msg}.`;
    }
  }
}

/** A failed read of an input file, said plainly (no errno code). */
export function readErrorMessage(e: unknown, path: string): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  const why =
    code === 'ENOENT' ? 'no such file'
    : code === 'ENOTDIR' ? `${fileInTheWay(path) ?? 'a folder on its path'} is a file, not a folder`
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
    : code === 'EISDIR' ? 'it is a folder, not a file'
    : code === 'ENAMETOOLONG' ? 'the name is too long for this file system'
    : code === 'EIO' ? 'the disk could not read it'
    : (e instanceof Error ? e.message : String(e)).replace(/^[A-Z]+: /, '');
  return `Cannot read ${path}: ${why}.`;
}
