import { describe, expect, it } from 'vitest';
import { SqlDatabaseHealth } from '../src/index';

describe('SqlDatabaseHealth', () => {
  const health = new SqlDatabaseHealth();

  it('calls a timed-out statement, a lost or refused connection and a pool timeout unavailable', () => {
    const unavailable = [
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('connection failure'), { code: '08006' }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      new Error('timeout exceeded when trying to connect'),
      new Error('Connection terminated unexpectedly'),
    ];
    expect(unavailable.map((e) => health.isUnavailable(e))).toEqual(unavailable.map(() => true));
  });

  it('calls anything else a fault: a constraint, a syntax error, a bug, a non-error', () => {
    const faults = [
      Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }),
      Object.assign(new Error('syntax error at or near "SELEC"'), { code: '42601' }),
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      'connection terminated',
      null,
    ];
    expect(faults.map((e) => health.isUnavailable(e))).toEqual(faults.map(() => false));
  });
});
