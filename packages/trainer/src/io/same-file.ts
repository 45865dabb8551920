// Is an output path the same file as an input? Compared by resolved path and, when both exist,
// by device + inode (catches hard links, symlinks and case-insensitive file systems).
import { statSync } from 'node:fs';
import { resolve } from 'node:path';

export function isSameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false; // one of them does not exist (yet): writing it overwrites nothing
  }
}

/** The first plan whose output is the same file as one of the inputs, with that input. */
export function firstOverwrite(plans: { output: string }[], inputs: string[]): { input: string; output: string } | undefined {
  for (const { output } of plans) {
    const input = inputs.find((i) => isSameFile(i, output));
    if (input !== undefined) return { input, output };
  }
  return undefined;
}
