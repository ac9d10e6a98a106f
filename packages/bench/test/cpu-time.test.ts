import { describe, expect, it } from 'vitest';
import { cpuMsOfStat, cpuSpentMs, postgresCpuSnapshot, processCpuMs } from '../src/support/cpu-time';

describe('cpu time from /proc', () => {
  it('reads utime + stime after the command name, even one with spaces and parentheses', () => {
    // pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime ...
    const stat = '4242 (node (worker) 1) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 75 0 0 20 0 11 0';
    expect(cpuMsOfStat(stat)).toBe(3250);
  });

  it('grows while this process works (Linux)', () => {
    const before = processCpuMs(process.pid)!;
    const until = performance.now() + 100;
    let x = 0;
    while (performance.now() < until) x += Math.sqrt(x + 1);
    expect(x).toBeGreaterThan(0);
    expect(processCpuMs(process.pid)!).toBeGreaterThan(before);
  });
});

describe('cpuSpentMs', () => {
  it('never goes negative when a backend exits between the snapshots', () => {
    const before = new Map([
      [100, 500],
      [101, 300],
    ]);
    const after = new Map([[100, 520]]);
    expect(cpuSpentMs(before, after)).toBe(20);
  });

  it('counts a process started in between from zero, and a reused pid as a new process', () => {
    const before = new Map([[200, 900]]);
    const after = new Map([
      [200, 40],
      [201, 15],
    ]);
    expect(cpuSpentMs(before, after)).toBe(55);
  });

  it('reads real snapshots of this machine: a non-negative number, or null without /proc', () => {
    const first = postgresCpuSnapshot();
    const second = postgresCpuSnapshot();
    if (first === null || second === null) expect(first).toBe(second);
    else expect(cpuSpentMs(first, second)).toBeGreaterThanOrEqual(0);
  });
});
