#!/usr/bin/env node
// stylepack: the command-line trainer. Dispatches to src/commands/*; maps errors to exit codes
// (0 ok, 1 runtime failure, 2 usage error, 130 interrupted) and prints them without stacks.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Command } from './command.js';
import { CliError, EXIT, UsageError, errorMessage } from './errors.js';
import { terminalSafe } from './terminal-text.js';

const COMMANDS: Record<string, () => Promise<Command>> = {
  pretrain: async () => (await import('./commands/pretrain.js')).pretrain,
  train: async () => (await import('./commands/train.js')).train,
  stylize: async () => (await import('./commands/stylize.js')).stylize,
  eval: async () => (await import('./commands/eval.js')).evaluate,
  pack: async () => (await import('./commands/pack.js')).pack,
  worker: async () => (await import('./queue/worker-command.js')).worker,
  queue: async () => (await import('./queue/queue-command.js')).queue,
  optimize: async () => (await import('./commands/optimize.js')).optimize,
};

const SUMMARIES: Record<string, string> = {
  pretrain: 'train the multi-style base model (generator + discriminator)',
  train: 'learn a new style from one painting on the frozen base model → .stylepack',
  stylize: 'stylize images with a pack (file or built-in name)',
  eval: 'content/style/adversarial losses and timing of a pack',
  pack: 'inspect or verify a .stylepack file',
  worker: 'run queued train/stylize jobs from Redis (BullMQ) until SIGTERM',
  queue: 'add train/stylize jobs to the queue; status; wait for them',
  optimize: 'per-image optimisation of one photo towards a painting (slow, best quality; --pack refines)',
};

export const HELP = `Usage: stylepack <command> [options]

Commands:
${Object.entries(SUMMARIES).map(([n, s]) => `  ${n.padEnd(10)} ${s}`).join('\n')}

Run "stylepack <command> --help" for a command's options.
Exit codes: 0 ok, 1 runtime failure, 2 usage error, 130 interrupted.`;

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? process.stdout : process.stderr).write(HELP + '\n');
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write('stylepack 0.1.0\n');
    return EXIT.ok;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`stylepack: unknown command "${terminalSafe(name)}".\n\n${HELP}\n`);
    return EXIT.usage;
  }
  try {
    const cmd = await load();
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`stylepack ${name}: ${terminalSafe(e.message)}\nRun "stylepack ${name} --help" for usage.\n`);
      return EXIT.usage;
    }
    if (e instanceof CliError) {
      process.stderr.write(`stylepack ${name}: error: ${terminalSafe(e.message)}\n`);
      return EXIT.failure;
    }
    process.stderr.write(`stylepack ${name}: unexpected error: ${terminalSafe(errorMessage(e))}\n${e instanceof Error && e.stack ? e.stack + '\n' : ''}`);
    return EXIT.failure;
  }
}

// Run when executed as the bin (not when imported by tests).
const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(realpathSync(entry)).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`stylepack: ${errorMessage(e)}\n`);
      process.exitCode = EXIT.failure;
    },
  );
}
