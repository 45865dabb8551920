// The committed native modules match their sources: native/build.sh writes kernels.sha256 over
// every input (the C, the script itself) and output (.wasm). A .c or build.sh edited without a
// rebuild, or a .wasm replaced by hand, fails here; CI needs no clang for this.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const NATIVE = fileURLToPath(new URL('../../native/', import.meta.url));
const sha256 = (file: string) => createHash('sha256').update(readFileSync(NATIVE + file)).digest('hex');

function recorded(): Map<string, string> {
  const lines = readFileSync(NATIVE + 'kernels.sha256', 'utf8').trim().split('\n');
  return new Map(lines.map((l) => {
    const m = /^([0-9a-f]{64}) [ *](\S+)$/.exec(l);
    if (!m) throw new Error(`native/kernels.sha256: unexpected line "${l}"`);
    return [m[2]!, m[1]!];
  }));
}

const REBUILD = 'run packages/core/native/build.sh (apt-get install -y clang lld clang-19 lld-19) and commit the .wasm files and kernels.sha256';

describe('native kernels build', () => {
  it('kernels.sha256 covers every source, script and module in native/', () => {
    const files = readdirSync(NATIVE).filter((f) => /\.(c|h|wasm|sh)$/.test(f)).sort();
    expect([...recorded().keys()].sort(), 'files in native/ without a recorded hash').toEqual(files);
  });

  it('every committed file has the hash build.sh recorded', () => {
    for (const [file, hash] of recorded()) {
      expect(sha256(file), `native/${file} changed since the last build: ${REBUILD}`).toBe(hash);
    }
  });
});
