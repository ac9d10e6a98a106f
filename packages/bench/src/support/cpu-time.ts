import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on every Linux build that matters). */
const TICKS_PER_SECOND = 100;

/** utime + stime of one process from /proc/<pid>/stat, in ms; null where /proc is not there. */
export function processCpuMs(pid: number): number | null {
  try {
    return cpuMsOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * CPU ms of each process whose command is `postgres` (the server and its backends), by pid; null without /proc.
 * With `database`, only the backends of that database (their process title names it: the connections' own
 * backends and its autovacuum workers), so other work on a shared server is not counted; the server's shared
 * processes (WAL writer, checkpointer, background writer) are then left out too.
 * Compare two snapshots with cpuSpentMs: a plain total drops, and can go negative, when a backend exits.
 */
export function postgresCpuSnapshot(database?: string): Map<number, number> | null {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  const snapshot = new Map<number, number>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (commOfStat(stat) !== 'postgres') continue;
      if (database !== undefined) {
        const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
        if (!title.split(' ').includes(database)) continue;
      }
      snapshot.set(Number(entry), cpuMsOfStat(stat));
    } catch {
      // the process ended while we looked
    }
  }
  return snapshot;
}

/**
 * CPU ms spent between two snapshots by the processes alive at the second: a process that started in
 * between (or reused a pid, its count lower than before) counts from zero; one that exited is not seen.
 */
export function cpuSpentMs(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let spent = 0;
  for (const [pid, ms] of after) {
    const earlier = before.get(pid) ?? 0;
    spent += ms >= earlier ? ms - earlier : ms;
  }
  return spent;
}

function commOfStat(stat: string): string {
  return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
}

/** Fields after the command name: state is field 3, utime 14 and stime 15 (1-based, man proc). */
export function cpuMsOfStat(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

/**
 * CPU ms of a process and every live descendant (a gateway's cluster workers); null without /proc.
 * Children that already exited are not counted: a run that restarts workers reads low.
 */
export function processTreeCpuMs(root: number): number | null {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  const parent = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(entry), Number(fields[1]));
      cpu.set(Number(entry), cpuMsOfStat(stat));
    } catch {
      // the process ended while we looked
    }
  }
  if (!cpu.has(root)) return null;
  let total = 0;
  for (const [pid, ms] of cpu) {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parent.get(p)) {
      if (p === root) {
        total += ms;
        break;
      }
    }
  }
  return total;
}
