#!/usr/bin/env node
// The `stylepack` command. A committed shim (not dist/cli.js itself) so npm can link the bin at
// install time, before the workspace build has produced dist/.
import { main } from '../dist/cli.js';
import { errorMessage } from '../dist/errors.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`stylepack: ${errorMessage(e)}\n`);
    process.exitCode = 1;
  },
);
