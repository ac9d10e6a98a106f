import { describe, expect, it } from 'vitest';
import { cpuMsOfStat, processCpuMs } from '../src/support/cpu-time';

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
