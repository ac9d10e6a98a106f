import { describe, expect, it } from 'vitest';
import { ConsoleQueryGate } from '../src/application/console/console-query-gate';

/** Settles once every queued promise callback has run. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('ConsoleQueryGate', () => {
  it('admits one request per key and maxRunning in all; the next waiter gets in on release', async () => {
    const gate = new ConsoleQueryGate({ maxRunning: 2, maxWaitMs: 60_000 });
    const a1 = await gate.acquire('a');
    const b1 = await gate.acquire('b');
    expect(a1).not.toBeNull();
    expect(b1).not.toBeNull();
    const admitted: string[] = [];
    const noting = (name: string) => (release: (() => void) | null) => {
      admitted.push(name);
      return release;
    };
    const a2 = gate.acquire('a').then(noting('a2'));
    const c1 = gate.acquire('c').then(noting('c1'));
    await settled();
    expect(admitted).toEqual([]);
    expect(gate.inFlight).toBe(2);
    // b leaves: a2 waited longer, but a still runs one, so c1 goes first
    b1!();
    expect(await c1).not.toBeNull();
    expect(admitted).toEqual(['c1']);
    a1!();
    expect(await a2).not.toBeNull();
    expect(admitted).toEqual(['c1', 'a2']);
    expect(gate.inFlight).toBe(2);
  });

  it('refuses a waiter after maxWaitMs, and at once when maxWaiting are already waiting', async () => {
    const gate = new ConsoleQueryGate({ maxRunning: 1, maxWaitMs: 30, maxWaiting: 1 });
    const first = await gate.acquire('a');
    const waiting = gate.acquire('b');
    expect(await gate.acquire('c')).toBeNull();
    expect(await waiting).toBeNull();
    first!();
    // once refused, a waiter never holds a place: the next one gets in straight away
    expect(await gate.acquire('d')).not.toBeNull();
  });

  it('releases once however often release is called', async () => {
    const gate = new ConsoleQueryGate({ maxRunning: 1 });
    const release = await gate.acquire('a');
    release!();
    release!();
    expect(gate.inFlight).toBe(0);
    const again = await gate.acquire('a');
    expect(gate.inFlight).toBe(1);
    again!();
  });
});
