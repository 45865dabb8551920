// The preview scheduler with a render we can hold and release: which renders run, which results
// show, and when.
import { describe, expect, it } from 'vitest';
import { PreviewScheduler, type PreviewState } from './preview.js';

interface Job {
  input: string;
  stale: () => boolean;
  finish: (r?: string) => void;
  fail: (e: Error) => void;
}

function setup() {
  const jobs: Job[] = [];
  const states: PreviewState<string>[] = [];
  const released: string[] = [];
  const p = new PreviewScheduler<string, string>({
    keyOf: (s) => s,
    debounceMs: 5,
    onChange: (s) => states.push(s),
    release: (r) => released.push(r),
    render: (input, stale) =>
      new Promise<string>((resolve, reject) => {
        jobs.push({ input, stale, finish: (r) => resolve(r ?? `out(${input})`), fail: reject });
      }),
  });
  return { p, jobs, states, released };
}

const tick = (ms = 15) => new Promise((r) => setTimeout(r, ms));

describe('PreviewScheduler', () => {
  it('shows a result when ready and keeps the previous one while the next is made', async () => {
    const { p, jobs } = setup();
    p.request('a');
    expect(p.current).toMatchObject({ result: null, pending: true });
    await tick();
    expect(jobs.map((j) => j.input)).toEqual(['a']);
    jobs[0].finish();
    await tick();
    expect(p.current).toEqual({ result: 'out(a)', resultKey: 'a', pending: false, error: null });
    p.request('b');
    await tick();
    expect(p.current).toMatchObject({ result: 'out(a)', pending: true }); // still showing a
    jobs[1].finish();
    await p.idle();
    expect(p.current).toMatchObject({ result: 'out(b)', resultKey: 'b', pending: false });
  });

  it('renders a burst of changes once (debounce) and ignores a repeat of what is on show', async () => {
    const { p, jobs } = setup();
    for (const s of ['a', 'b', 'c']) p.request(s);
    await tick();
    expect(jobs.map((j) => j.input)).toEqual(['c']);
    jobs[0].finish();
    await p.idle();
    p.request('c');
    await tick();
    expect(jobs).toHaveLength(1);
    expect(p.current.pending).toBe(false);
  });

  it('drops stale work: a render overtaken by a new request is told to stop, and its result never shows', async () => {
    const { p, jobs, states, released } = setup();
    p.request('a');
    await tick();
    expect(jobs[0].stale()).toBe(false);
    p.request('b');
    expect(jobs[0].stale()).toBe(true);
    jobs[0].finish(); // finished anyway (e.g. a single tile): discarded
    await tick();
    expect(jobs.map((j) => j.input)).toEqual(['a', 'b']);
    expect(released).toEqual(['out(a)']);
    p.request('c');
    expect(jobs[1].stale()).toBe(true);
    jobs[1].fail(new Error('Cancelled')); // stopped at a tile boundary: not an error to show
    await tick();
    jobs[2].finish();
    await p.idle();
    expect(states.map((s) => s.result).filter(Boolean)).toEqual(['out(c)']);
    expect(p.current).toMatchObject({ result: 'out(c)', error: null, pending: false });
  });

  it('going back to the settings on show needs no render', async () => {
    const { p, jobs } = setup();
    p.request('a');
    await tick();
    jobs[0].finish();
    await p.idle();
    p.request('b');
    p.request('a');
    await tick();
    expect(jobs).toHaveLength(1);
    expect(p.current).toMatchObject({ result: 'out(a)', pending: false });
  });

  it('shows an error but keeps the last good preview', async () => {
    const { p, jobs } = setup();
    p.request('a');
    await tick();
    jobs[0].finish();
    await p.idle();
    p.request('b');
    await tick();
    jobs[1].fail(new Error('out of memory'));
    await p.idle();
    expect(p.current).toEqual({ result: 'out(a)', resultKey: 'a', pending: false, error: 'out of memory' });
  });

  it('suspend tells the running render to stop at once; nothing starts until resume', async () => {
    const { p, jobs } = setup();
    p.request('a');
    await tick();
    p.suspend();
    expect(jobs[0].stale()).toBe(true);
    p.request('b');
    await tick();
    jobs[0].finish(); // its step ends after the suspend: dropped
    await tick();
    expect(jobs).toHaveLength(1);
    expect(p.current).toMatchObject({ result: null, pending: true });
    p.resume();
    await tick();
    expect(jobs.map((j) => j.input)).toEqual(['a', 'b']);
    jobs[1].finish();
    await p.idle();
    expect(p.current.result).toBe('out(b)');
  });

  it('resumed while the stopped render is still finishing: the latest request is rendered after it', async () => {
    const { p, jobs } = setup();
    p.request('a');
    await tick();
    p.suspend();
    p.request('b');
    p.resume();
    await tick();
    expect(jobs).toHaveLength(1); // one render at a time
    jobs[0].fail(new Error('Cancelled'));
    await tick();
    expect(jobs.map((j) => j.input)).toEqual(['a', 'b']);
    jobs[1].finish();
    await p.idle();
    expect(p.current).toMatchObject({ result: 'out(b)', pending: false, error: null });
  });

  it('request(null) clears the preview and drops the running render', async () => {
    const { p, jobs, released } = setup();
    p.request('a');
    await tick();
    jobs[0].finish();
    await p.idle();
    p.request('b');
    await tick();
    p.request(null);
    expect(jobs[1].stale()).toBe(true);
    expect(p.current).toEqual({ result: null, resultKey: null, pending: false, error: null });
    expect(released).toEqual(['out(a)']);
    jobs[1].finish();
    await p.idle();
    expect(p.current.result).toBeNull();
  });
});
