// Thin helpers over node:util parseArgs: typed option values with errors that name the option.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parse(command: string, argv: string[], options: Options, allowPositionals = false): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
    return { values: values as Parsed['values'], positionals };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new UsageError(msg.replace(/^TypeError \[[A-Z_]+\]: /, ''), command);
  }
}

export function str(p: Parsed, name: string, required: true, command: string): string;
export function str(p: Parsed, name: string, required?: false, command?: string): string | undefined;
export function str(p: Parsed, name: string, required = false, command?: string): string | undefined {
  const v = p.values[name];
  if (v === undefined || v === '') {
    if (required) throw new UsageError(`Missing --${name}.`, command);
    return undefined;
  }
  if (typeof v !== 'string') throw new UsageError(`--${name} needs a value.`, command);
  return v;
}

export function num(
  p: Parsed,
  name: string,
  def: number,
  opts: { int?: boolean; min?: number; max?: number; command?: string } = {},
): number {
  const raw = str(p, name, false, opts.command);
  if (raw === undefined) return def;
  const v = Number(raw);
  const kind = opts.int ? 'a whole number' : 'a number';
  if (!Number.isFinite(v) || (opts.int && !Number.isInteger(v))) throw new UsageError(`--${name} must be ${kind} (got "${raw}").`, opts.command);
  if (opts.min !== undefined && v < opts.min) throw new UsageError(`--${name} must be at least ${opts.min} (got ${raw}).`, opts.command);
  if (opts.max !== undefined && v > opts.max) throw new UsageError(`--${name} must be at most ${opts.max} (got ${raw}).`, opts.command);
  return v;
}

export function choice<T extends string>(p: Parsed, name: string, choices: readonly T[], def: T, command?: string): T {
  const raw = str(p, name, false, command);
  if (raw === undefined) return def;
  if (!(choices as readonly string[]).includes(raw)) throw new UsageError(`--${name} must be one of ${choices.join(', ')} (got "${raw}").`, command);
  return raw as T;
}

export function flag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}
