// How jobs read on a terminal: one line per job (id, state, progress, worker, outcome). Every
// string that came through Redis is escaped first: a job's error or path must not drive the terminal.
import type { Job } from 'bullmq';
import type { JobData } from './jobs.js';

/** C0/C1 controls, DEL and bidi overrides/isolates shown as \u escapes. */
export function terminalSafe(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

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
  if (!job) return `${terminalSafe(id)}  unknown  (no such job in this queue: never added, or removed after it expired)`;
  const p = progressOf(job);
  const progress = state === 'completed' ? 'done' : p ? `${bars ? bar(p.done, p.total) + ' ' : ''}${p.done}/${p.total}` : '-';
  const worker = job.processedBy ?? '-';
  const tries = job.attemptsStarted > 1 ? ` (try ${job.attemptsStarted})` : '';
  let tail = '';
  if (state === 'failed') tail = `error: ${(job.failedReason ?? 'unknown').split('\n').join(' | ')}`;
  else if (state === 'completed') tail = `→ ${job.data.writes.length === 1 ? job.data.writes[0] : `${job.data.writes.length} files`}`;
  else tail = `${job.data.command} → ${job.data.writes.length === 1 ? job.data.writes[0] : `${job.data.writes.length} files`}`;
  return terminalSafe(`${id}  ${state}${tries}  ${progress}  ${worker}  ${tail}`);
}
