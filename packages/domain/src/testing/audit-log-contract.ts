/**
 * The AuditLog contract as a reusable vitest suite: the in-memory fake and the SQL adapter run the same tests
 * (a separate package export, since it imports vitest).
 *
 *   auditLogContract('the SQL audit log', async () => ({ log, close }))
 *
 * `open` is called before every test and must return an EMPTY trail; `close` after it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EMPTY_CHAIN } from '../audit/audit-chain.js';
import { AuditChainVerifier } from '../audit/audit-chain-verifier.js';
import { type AuditActor, auditTarget, type NewAuditEvent } from '../audit/audit-event.js';
import type { AuditLog } from '../audit/audit-trail.port.js';
import { sha256Hex } from './hash-functions.js';
import { FakeCheckpointSigner } from './in-memory-audit.js';

export interface AuditLogUnderTest {
  readonly log: AuditLog;
  close(): Promise<void>;
}

const T0 = Date.parse('2025-06-01T00:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000);
const signer = new FakeCheckpointSigner();
const MINUTE = 60_000;

const operator: AuditActor = { kind: 'api-key', keyId: 'key_1', name: 'bank backend' };

/** An event of the test's own: a session read by `actor` at `s` seconds. */
export function anAuditEvent(overrides: Partial<NewAuditEvent> = {}, s = 0): NewAuditEvent {
  return {
    occurredAt: at(s),
    actor: operator,
    action: 'session.read',
    targets: [auditTarget('session', `s_${s}`)],
    requestId: `req_${s}`,
    clientAddressHmac: 'ab'.repeat(32),
    outcome: 'success',
    details: {},
    ...overrides,
  };
}

export function auditLogContract(name: string, open: () => Promise<AuditLogUnderTest>): void {
  describe(`${name} honours the audit log's contract`, () => {
    let subject: AuditLogUnderTest;
    let log: AuditLog;

    const verify = async (start: 'trail' | 'range' = 'trail') => {
      const verifier = new AuditChainVerifier({ sha256: sha256Hex, checkSignature: signer.check, start });
      const head = await log.head();
      verifier.add(await log.read(0, head.sequence, 10_000));
      return verifier.finish();
    };

    beforeEach(async () => {
      subject = await open();
      log = subject.log;
    });
    afterEach(async () => {
      await subject.close();
    });

    it('starts empty, then numbers rows from 1 and chains each to the one before, from the genesis hash', async () => {
      expect(await log.head()).toEqual(EMPTY_CHAIN);
      const written = await log.append([anAuditEvent({}, 1), anAuditEvent({}, 2), anAuditEvent({}, 3)]);
      expect(written.map((r) => r.sequence)).toEqual([1, 2, 3]);
      expect(written[0]!.previousHash).toBe(EMPTY_CHAIN.hash);
      expect(written[1]!.previousHash).toBe(written[0]!.hash);
      expect(await log.head()).toEqual({ sequence: 3, hash: written[2]!.hash });
      expect(await verify()).toMatchObject({ ok: true, rows: 3, anchor: 'genesis' });
    });

    it('stores every field as given and reads it back unchanged (the hash still matches)', async () => {
      const event = anAuditEvent({
        actor: { kind: 'console', keyId: 'key_9' },
        action: 'webhook-endpoint.changed',
        targets: [auditTarget('webhook-endpoint', 'we_1'), auditTarget('api-key', 'key_2')],
        requestId: null,
        clientAddressHmac: null,
        outcome: 'refused',
        details: { changed: ['url', 'events'], enabled: false, attempts: 3, note: '中文 "quoted"' },
      });
      const [written] = await log.append([event]);
      const [read] = await log.read(1, 1, 10);
      expect(read).toEqual(written);
      expect(read).toMatchObject({
        actor: 'console:key_9',
        actorName: null,
        targets: ['webhook-endpoint:we_1', 'api-key:key_2'],
        details: { changed: ['url', 'events'], enabled: false, attempts: 3, note: '中文 "quoted"' },
      });
      expect(await verify()).toMatchObject({ ok: true });
    });

    it('keeps sequences consecutive and the chain whole when many appends run at once', async () => {
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          log.append([anAuditEvent({}, i * 2), anAuditEvent({}, i * 2 + 1)]),
        ),
      );
      const rows = await log.read(1, 1_000, 1_000);
      expect(rows.map((r) => r.sequence)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
      expect(await verify()).toMatchObject({ ok: true, rows: 24 });
    });

    it('signs the head with a checkpoint when one is due, and not again before `everyMs` has passed', async () => {
      const first = await log.append([anAuditEvent({}, 1)], { signer, everyMs: 5 * MINUTE, now: at(2) });
      expect(first.map((r) => r.action)).toEqual(['session.read', 'audit.checkpoint']);
      expect(first[1]!.details).toMatchObject({
        headSequence: 1,
        headHash: first[0]!.hash,
        keyId: 'test-key',
      });
      const soon = await log.append([anAuditEvent({}, 60)], { signer, everyMs: 5 * MINUTE, now: at(61) });
      expect(soon.map((r) => r.action)).toEqual(['session.read']);
      // nothing new to sign: no checkpoint, however late
      const idle = await log.append([], { signer, everyMs: 5 * MINUTE, now: at(3_600) });
      expect(idle.map((r) => r.action)).toEqual(['audit.checkpoint']);
      expect(await log.append([], { signer, everyMs: 5 * MINUTE, now: at(7_200) })).toEqual([]);
      expect(await verify()).toMatchObject({ ok: true, checkpoints: 2, signedThrough: 3 });
    });

    it('filters by actor, action, target and period, newest first, paged by sequence', async () => {
      await log.append([
        anAuditEvent({}, 10),
        anAuditEvent({ actor: { kind: 'cli', user: 'ops' }, action: 'api-key.created' }, 20),
        anAuditEvent({ actor: { kind: 'console', keyId: 'key_1' }, action: 'session.list' }, 30),
        anAuditEvent({ targets: [auditTarget('session', 'wanted')] }, 40),
        anAuditEvent({ actor: { kind: 'system' }, action: 'gateway.started', targets: [] }, 50),
      ]);
      const seqs = async (...args: Parameters<AuditLog['query']>) =>
        (await log.query(...args)).items.map((r) => r.sequence);
      expect(await seqs({}, 10, null)).toEqual([5, 4, 3, 2, 1]);
      expect(await seqs({ actor: 'key:key_1' }, 10, null)).toEqual([4, 1]);
      expect(await seqs({ actor: 'console:key_1' }, 10, null)).toEqual([3]);
      expect(await seqs({ actor: 'cli:ops' }, 10, null)).toEqual([2]);
      expect(await seqs({ action: 'gateway.started' }, 10, null)).toEqual([5]);
      expect(await seqs({ target: 'session:wanted' }, 10, null)).toEqual([4]);
      expect(await seqs({ from: at(20), to: at(40) }, 10, null)).toEqual([3, 2]);
      const page = await log.query({}, 2, null);
      expect(page.items.map((r) => r.sequence)).toEqual([5, 4]);
      expect(page.hasNextPage).toBe(true);
      const last = await log.query({}, 2, 2);
      expect(last.items.map((r) => r.sequence)).toEqual([1]);
      expect(last.hasNextPage).toBe(false);
    });

    it('answers the sequences between two times, and reads a range in sequence order', async () => {
      await log.append([10, 20, 30, 40].map((s) => anAuditEvent({}, s)));
      expect(await log.sequenceBounds(at(15), at(40))).toEqual({ first: 2, last: 3 });
      expect(await log.sequenceBounds(null, null)).toEqual({ first: 1, last: 4 });
      expect(await log.sequenceBounds(at(100), null)).toBeNull();
      expect((await log.read(2, 3, 10)).map((r) => r.sequence)).toEqual([2, 3]);
      expect((await log.read(1, 4, 2)).map((r) => r.sequence)).toEqual([1, 2]);
    });

    it('the retention removes whole segments before the newest checkpoint older than the cutoff, says so, and the rest still verifies', async () => {
      const policy = (s: number) => ({ signer, everyMs: MINUTE, now: at(s) });
      await log.append([anAuditEvent({}, 0), anAuditEvent({}, 1)], policy(2)); // 1, 2, checkpoint 3
      await log.append([anAuditEvent({}, 100)], policy(101)); // 4, checkpoint 5
      await log.append([anAuditEvent({}, 200)], policy(201)); // 6, checkpoint 7
      expect(await log.removeSegmentsBefore(at(0), at(300))).toEqual({
        removedRows: 0,
        throughSequence: null,
      });
      const removed = await log.removeSegmentsBefore(at(150), at(300));
      expect(removed).toEqual({ removedRows: 4, throughSequence: 4 });
      const rows = await log.read(0, 100, 100);
      expect(rows.map((r) => r.sequence)).toEqual([5, 6, 7, 8]);
      expect(rows.at(-1)).toMatchObject({
        action: 'audit.retention',
        actor: 'system',
        details: { removedRows: 4, removedThroughSequence: 4, cutoff: at(150).toISOString() },
      });
      expect(await verify()).toMatchObject({ ok: true, anchor: 'checkpoint', firstSequence: 5 });
    });
  });
}
