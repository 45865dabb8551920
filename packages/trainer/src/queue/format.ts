// How jobs read on a terminal: one line per job (id, state, progress, worker, outcome). Every
// string that came through Redis is escaped first: a job's error or path must not drive the terminal.
import type { Job } from 'bullmq';
import { terminalSafe } from '../terminal-text.js';
import type { JobData } from './jobs.js';

/** One terminal-safe line: line breaks shown as " | ", controls escaped. */
export const oneLine = (s: string): string => terminalSafe(s.replace(/\r?\n/g, ' | '));

/** What a job reports through job.updateProgress. */
export interface JobProgress {
  label: string;
  done: number;
  total: number;
  fields?: Record<string, number>;
}

export function progressOf(job: Job): JobProgress | null {
  const p = job.progress as Partial<JobProgress> | number;
  if (typeof p === 'object' && p && typeof p.done === 'number' && typeof p.total === 'number') return { label: String(p.label ?? ''), done: p.done, total: p.total, fields: p.fields };
  return null;
}

export function bar(done: number, total: number, width = 20): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

export const FINAL_STATES = new Set(['completed', 'failed', 'unknown']);

/** One line: id, state, progress (a bar when `bars`), worker, and the error or the outputs. */
export function jobLine(id: string, state: string, job: Job<JobData> | undefined, bars: boolean): string {
  if (!job) return `${oneLine(id)}  unknown  (no such job in this queue: never added, or removed after it expired)`;
  const p = progressOf(job);
  const progress = state === 'completed' ? 'done' : p ? `${bars ? bar(p.done, p.total) + ' ' : ''}${p.done}/${p.total}` : '-';
  const worker = job.processedBy ?? '-';
  const tries = job.attemptsStarted > 1 ? ` (try ${job.attemptsStarted})` : '';
  let tail = '';
  if (state === 'failed') tail = `error: ${job.failedReason ?? 'unknown'}`;
  else if (state === 'completed') tail = `→ ${job.data.writes.length === 1 ? job.data.writes[0] : `${job.data.writes.length} files`}`;
  else tail = `${job.data.command} → ${job.data.writes.length === 1 ? job.data.writes[0] : `${job.data.writes.length} files`}`;
  return oneLine(`${id}  ${state}${tries}  ${progress}  ${worker}  ${tail}`);
}
