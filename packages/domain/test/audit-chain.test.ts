import {
  AUDIT_ACTIONS,
  AuditChainVerifier,
  type AuditEvent,
  actorLabel,
  auditRowCanonicalJson,
  auditRowHash,
  canonicalJson,
  chainAuditEvents,
  checkpointDue,
  EMPTY_CHAIN,
  GENESIS_HASH,
  isAuditAction,
  parseActor,
} from '@facegate/domain';
import { FakeCheckpointSigner, InMemoryAuditLog, sha256Hex } from '@facegate/domain/testing';
import { anAuditEvent } from '@facegate/domain/testing/audit-log-contract';
import { describe, expect, it } from 'vitest';

const signer = new FakeCheckpointSigner();
const MINUTE = 60_000;

describe('canonical JSON and the chain rule', () => {
  it('sorts keys at every depth, drops undefined members, keeps arrays in order, no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 'x', null], c: true }, z: undefined } as never)).toBe(
      '{"a":{"c":true,"d":[3,"x",null]},"b":1}',
    );
    expect(canonicalJson('中文 "q"')).toBe('"中文 \\"q\\""');
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
  });

  it('hashes a row as SHA-256(previous hash || canonical JSON of the row), a known vector', () => {
    const [row] = chainAuditEvents(sha256Hex, EMPTY_CHAIN, [anAuditEvent({ details: { n: 1 } }, 0)]);
    const json = auditRowCanonicalJson(row!);
    expect(json).toBe(
      '{"action":"session.read","actor":"key:key_1","actorName":"bank backend",' +
        '"clientAddressHmac":"' +
        'ab'.repeat(32) +
        '","details":{"n":1},"occurredAt":"2025-06-01T00:00:00.000Z","outcome":"success",' +
        '"requestId":"req_0","sequence":1,"targets":["session:s_0"]}',
    );
    expect(row!.previousHash).toBe(GENESIS_HASH);
    expect(row!.hash).toBe(sha256Hex(GENESIS_HASH + json));
    expect(auditRowHash(sha256Hex, GENESIS_HASH, row!)).toBe(row!.hash);
  });

  it('actors read back from their labels; unknown labels are not guessed', () => {
    for (const actor of [
      { kind: 'api-key', keyId: 'k1', name: 'n' },
      { kind: 'console', keyId: 'k1' },
      { kind: 'cli', user: 'ops' },
      { kind: 'system' },
    ] as const) {
      expect(parseActor(actorLabel(actor), actor.kind === 'api-key' ? actor.name : null)).toEqual(actor);
    }
    expect(parseActor('robot:1', null)).toBeNull();
    expect(parseActor('cli:', null)).toBeNull();
  });

  it('the action set is open and typed: every known action is listed with its meaning', () => {
    expect(isAuditAction('session.read')).toBe(true);
    expect(isAuditAction('secret.rotation-step')).toBe(true);
    expect(isAuditAction('toString')).toBe(false);
    for (const meaning of Object.values(AUDIT_ACTIONS)) expect(meaning.length).toBeGreaterThan(5);
  });

  it('a checkpoint is due when something is unsigned and the last one is old enough', () => {
    const now = new Date('2025-06-01T01:00:00Z');
    const policy = { everyMs: 5 * MINUTE, now };
    expect(checkpointDue(EMPTY_CHAIN, null, policy)).toBe(false);
    expect(checkpointDue({ sequence: 3, hash: 'h' }, null, policy)).toBe(true);
    const recent = { sequence: 2, occurredAt: new Date(now.getTime() - MINUTE) };
    const old = { sequence: 2, occurredAt: new Date(now.getTime() - 5 * MINUTE) };
    expect(checkpointDue({ sequence: 3, hash: 'h' }, recent, policy)).toBe(false);
    expect(checkpointDue({ sequence: 3, hash: 'h' }, old, policy)).toBe(true);
    expect(checkpointDue({ sequence: 2, hash: 'h' }, old, policy)).toBe(false);
  });
});

describe('the verifier names the first broken link', () => {
  /** Rows 1-5, checkpoint 6, rows 7-9, checkpoint 10, row 11. */
  async function trail(): Promise<AuditEvent[]> {
    const log = new InMemoryAuditLog();
    const at = (s: number) => new Date(Date.parse('2025-06-01T00:00:00Z') + s * 1000);
    await log.append(
      [1, 2, 3, 4, 5].map((s) => anAuditEvent({}, s)),
      { signer, everyMs: MINUTE, now: at(6) },
    );
    await log.append(
      [7, 8, 9].map((s) => anAuditEvent({}, s * 100)),
      { signer, everyMs: MINUTE, now: at(1000) },
    );
    await log.append([anAuditEvent({}, 1100)]);
    return log.rows.map((r) => ({ ...r, details: { ...r.details } }));
  }
  const verify = (rows: readonly AuditEvent[], start: 'trail' | 'range' = 'trail', pageSize = 1000) => {
    const verifier = new AuditChainVerifier({ sha256: sha256Hex, checkSignature: signer.check, start });
    for (let i = 0; i < rows.length; i += pageSize) verifier.add(rows.slice(i, i + pageSize));
    return verifier.finish();
  };
  const rehash = (rows: AuditEvent[], from: number) => {
    for (let i = from; i < rows.length; i++) {
      const previousHash = i === 0 ? GENESIS_HASH : rows[i - 1]!.hash;
      rows[i] = { ...rows[i]!, previousHash, hash: auditRowHash(sha256Hex, previousHash, rows[i]!) };
    }
  };

  it('an untouched trail verifies, page by page too, signed through the last checkpoint', async () => {
    const rows = await trail();
    expect(rows.map((r) => r.action).filter((a) => a === 'audit.checkpoint')).toHaveLength(2);
    for (const pageSize of [1, 3, 1000]) {
      expect(verify(rows, 'trail', pageSize)).toMatchObject({
        ok: true,
        rows: 11,
        checkpoints: 2,
        signedThrough: 9,
        anchor: 'genesis',
      });
    }
  });

  it('a changed value', async () => {
    const rows = await trail();
    rows[3] = { ...rows[3]!, targets: ['session:someone-else'] };
    expect(verify(rows)).toMatchObject({ ok: false, broken: { kind: 'changed', sequence: 4 } });
  });

  it('a changed value whose hash was recomputed: the next row names it', async () => {
    const rows = await trail();
    rows[3] = { ...rows[3]!, outcome: 'refused' };
    rows[3] = { ...rows[3]!, hash: auditRowHash(sha256Hex, rows[3]!.previousHash, rows[3]!) };
    expect(verify(rows)).toMatchObject({ ok: false, broken: { kind: 'rewritten', sequence: 4 } });
  });

  it('a changed value with the whole chain after it recomputed: the next checkpoint refuses', async () => {
    const rows = await trail();
    rows[3] = { ...rows[3]!, outcome: 'refused' };
    rehash(rows, 3);
    expect(verify(rows)).toMatchObject({ ok: false, broken: { kind: 'checkpoint', sequence: 6 } });
  });

  it('a forged checkpoint signature', async () => {
    const rows = await trail();
    rows[5] = { ...rows[5]!, details: { ...rows[5]!.details, signature: 'ff'.repeat(32) } };
    rehash(rows, 5);
    expect(verify(rows)).toMatchObject({ ok: false, broken: { kind: 'checkpoint', sequence: 6 } });
  });

  it('a deleted row, and deleted rows with later rows renumbered', async () => {
    const rows = await trail();
    expect(verify(rows.filter((r) => r.sequence !== 8))).toMatchObject({
      ok: false,
      broken: { kind: 'deleted', sequence: 8, otherSequence: 8, message: 'row 8 is missing (deleted)' },
    });
    const renumbered = rows
      .filter((r) => r.sequence !== 3)
      .map((r) => (r.sequence > 3 ? { ...r, sequence: r.sequence - 1 } : r));
    expect(verify(renumbered)).toMatchObject({ ok: false, broken: { kind: 'deleted', sequence: 3 } });
  });

  it('deleted first rows, unless a signed checkpoint starts the trail and a retention row says so', async () => {
    const rows = await trail();
    expect(verify(rows.slice(2))).toMatchObject({ ok: false, broken: { kind: 'deleted', sequence: 1 } });
    // from checkpoint 6 on, but nothing records a removal
    expect(verify(rows.slice(5))).toMatchObject({
      ok: false,
      broken: { kind: 'deleted', sequence: 1, otherSequence: 5 },
    });
    // a range (an export) starts anywhere
    expect(verify(rows.slice(2), 'range')).toMatchObject({ ok: true, anchor: 'given', firstSequence: 3 });
  });

  it('two swapped rows', async () => {
    const rows = await trail();
    const swapped = rows.map((r) =>
      r.sequence === 7 ? { ...r, sequence: 8 } : r.sequence === 8 ? { ...r, sequence: 7 } : r,
    );
    swapped.sort((a, b) => a.sequence - b.sequence);
    expect(verify(swapped)).toMatchObject({
      ok: false,
      broken: { kind: 'swapped', sequence: 7, otherSequence: 8 },
    });
  });
});
