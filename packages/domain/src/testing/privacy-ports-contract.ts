/**
 * The privacy ports' contract as a reusable vitest suite: consent texts, consent receipts and the session
 * redactor, run against the in-memory fakes and the SQL adapters alike. `open` returns EMPTY stores.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VerificationSessionRepository } from '../ports/verification-session.repository.port.js';
import type { ConsentReceipt } from '../privacy/consent.js';
import type { ConsentReceiptStore, ConsentTextRepository } from '../privacy/consent.ports.js';
import type { SessionRedactor } from '../privacy/session-redactor.port.js';
import { VerificationSession } from '../verification/verification-session.js';
import { aConsentText } from './in-memory-consent.js';
import { anEventFor, aSessionSnapshot, TEST_START } from './object-mothers.js';

export interface PrivacyPortsUnderTest {
  readonly texts: ConsentTextRepository;
  readonly receipts: ConsentReceiptStore;
  readonly sessions: VerificationSessionRepository & SessionRedactor;
  close(): Promise<void>;
}

const at = (minutes: number) => new Date(TEST_START.getTime() + minutes * 60_000);

const aReceipt = (over: Partial<ConsentReceipt> = {}): ConsentReceipt => ({
  id: 'rcp_1',
  sessionId: 'ses_1',
  openidHmac: 'f'.repeat(64),
  version: 'v1',
  textSha256: 'a'.repeat(64),
  purpose: 'identity verification',
  guardian: false,
  acceptedAt: at(0),
  clientAddressHmac: null,
  withdrawnAt: null,
  ...over,
});

export function privacyPortsContract(name: string, open: () => Promise<PrivacyPortsUnderTest>): void {
  describe(`${name}: the privacy ports contract`, () => {
    let ports: PrivacyPortsUnderTest;
    beforeEach(async () => {
      ports = await open();
    });
    afterEach(async () => ports.close());

    it('consent texts: the latest published of each kind is current; a used version keeps its first content', async () => {
      expect(await ports.texts.current('STANDARD')).toBeNull();
      const v1 = aConsentText({ version: 'v1', publishedAt: at(0) });
      const guardian = aConsentText({ version: 'g1', kind: 'GUARDIAN', publishedAt: at(1) });
      const v2 = aConsentText({ version: 'v2', textZh: '第二版', publishedAt: at(2) });
      for (const t of [v1, guardian, v2]) expect((await ports.texts.publish(t)).outcome).toBe('published');
      expect(await ports.texts.current('STANDARD')).toEqual(v2);
      expect(await ports.texts.current('GUARDIAN')).toEqual(guardian);
      const again = await ports.texts.publish(
        aConsentText({ version: 'v1', textZh: '改过的', publishedAt: at(3) }),
      );
      expect(again).toEqual({ outcome: 'exists', stored: v1 });
      expect(await ports.texts.find('v1')).toEqual(v1);
      expect((await ports.texts.list()).map((t) => t.version)).toEqual(['v2', 'g1', 'v1']);
    });

    it("consent texts by app: an app's own latest text of a kind is its current one, else the deployment's", async () => {
      const deployment = aConsentText({ version: 'd1', publishedAt: at(0) });
      const guardian = aConsentText({ version: 'dg1', kind: 'GUARDIAN', publishedAt: at(0) });
      expect(await ports.texts.current('STANDARD', 'card')).toBeNull();
      for (const t of [deployment, guardian]) await ports.texts.publish(t);
      // an app without texts of its own uses the deployment's
      expect(await ports.texts.current('STANDARD', 'card')).toEqual(deployment);

      const card1 = aConsentText({ version: 'card-1', textZh: '卡片版', app: 'card', publishedAt: at(1) });
      const card2 = aConsentText({
        version: 'card-2',
        textZh: '卡片第二版',
        app: 'card',
        publishedAt: at(2),
      });
      const retail = aConsentText({ version: 'retail-1', app: 'retail', publishedAt: at(3) });
      for (const t of [card1, card2, retail])
        expect((await ports.texts.publish(t)).outcome).toBe('published');
      expect(await ports.texts.current('STANDARD', 'card')).toEqual(card2);
      expect(await ports.texts.current('STANDARD', 'retail')).toEqual(retail);
      expect(await ports.texts.current('STANDARD', 'default')).toEqual(deployment);
      // the deployment's current text stays its own, even when an app published later
      expect(await ports.texts.current('STANDARD')).toEqual(deployment);
      expect(await ports.texts.current('STANDARD', null)).toEqual(deployment);
      // a kind the app has no text of falls back on its own
      expect(await ports.texts.current('GUARDIAN', 'card')).toEqual(guardian);

      // a newer deployment text does not replace an app's own
      const deployment2 = aConsentText({ version: 'd2', textZh: '新版', publishedAt: at(4) });
      await ports.texts.publish(deployment2);
      expect(await ports.texts.current('STANDARD', 'card')).toEqual(card2);
      expect(await ports.texts.current('STANDARD', 'default')).toEqual(deployment2);

      // versions are unique across apps: another app's text under a used version is not stored
      const clash = await ports.texts.publish(
        aConsentText({ version: 'card-1', app: 'retail', publishedAt: at(5) }),
      );
      expect(clash).toEqual({ outcome: 'exists', stored: card1 });
      expect(await ports.texts.find('card-2')).toEqual(card2);
      expect((await ports.texts.list()).map((t) => [t.version, t.app])).toEqual([
        ['d2', null],
        ['retail-1', 'retail'],
        ['card-2', 'card'],
        ['card-1', 'card'],
        ['dg1', null],
        ['d1', null],
      ]);
    });

    it('consent receipts: recorded, found by session and by openid HMAC, withdrawn once, pruned by age', async () => {
      await ports.texts.publish(aConsentText({ version: 'v1' }));
      await ports.receipts.record(aReceipt());
      await ports.receipts.record(aReceipt({ id: 'rcp_2', sessionId: 'ses_2', acceptedAt: at(10) }));
      await ports.receipts.record(aReceipt({ id: 'rcp_3', sessionId: 'ses_3', openidHmac: 'e'.repeat(64) }));
      expect(await ports.receipts.findById('rcp_1')).toEqual(aReceipt());
      expect((await ports.receipts.listBySession('ses_2')).map((r) => r.id)).toEqual(['rcp_2']);
      expect((await ports.receipts.listByOpenidHmac('f'.repeat(64))).map((r) => r.id)).toEqual([
        'rcp_1',
        'rcp_2',
      ]);
      expect(await ports.receipts.withdraw('rcp_1', at(5))).toBe(true);
      expect(await ports.receipts.withdraw('rcp_1', at(6))).toBe(true);
      expect((await ports.receipts.findById('rcp_1'))?.withdrawnAt).toEqual(at(5));
      expect(await ports.receipts.withdraw('rcp_missing', at(6))).toBe(false);
      expect(await ports.receipts.deleteAcceptedBefore(at(1), 10)).toBe(2);
      expect((await ports.receipts.listByOpenidHmac('f'.repeat(64))).map((r) => r.id)).toEqual(['rcp_2']);
    });

    it('redaction: only at the expected version; the row keeps no personal field; ended sessions are found by age', async () => {
      const ended = aSessionSnapshot({ id: 'ses_a', clientReferenceId: 'order-1' });
      const open = aSessionSnapshot({ id: 'ses_b', createdAt: at(1) });
      await ports.sessions.insert(ended, anEventFor(ended));
      await ports.sessions.insert(open, anEventFor(open));
      const verified = {
        ...ended,
        status: 'VERIFIED' as const,
        binding: null,
        endedAt: at(2),
        verifiedAt: at(2),
        version: 2,
      };
      expect(await ports.sessions.update(verified, 1, anEventFor(verified))).toBe(true);

      const redacted = VerificationSession.fromSnapshot(verified).redact(at(4));
      if (!redacted.ok) throw redacted.error;
      const event = {
        type: 'verification.redacted' as const,
        app: 'default',
        sessionId: 'ses_a',
        status: 'VERIFIED' as const,
        attempts: 0,
        occurredAt: at(4),
      };
      expect(await ports.sessions.redact(redacted.value.snapshot, 1, event)).toBe(false);
      expect(await ports.sessions.redact(redacted.value.snapshot, 2, event)).toBe(true);
      const stored = await ports.sessions.findById('ses_a');
      expect(stored).toMatchObject({
        openid: '',
        maskedName: '',
        maskedIdCardNumber: '',
        idNumberHmac: '',
        clientReferenceId: null,
        status: 'VERIFIED',
        redactedAt: at(4),
        consentReceiptId: ended.consentReceiptId,
      });
      expect(await ports.sessions.redactEndedBefore(at(10), 10, at(10))).toEqual([]);
    });

    it('retention, set-based: only ended sessions that ended before the cutoff, oldest first, up to the limit, each announced', async () => {
      const make = async (id: string, created: number, ended: number | null) => {
        const s = aSessionSnapshot({ id, createdAt: at(created), clientReferenceId: `ref-${id}` });
        await ports.sessions.insert(s, anEventFor(s));
        if (ended === null) return;
        const done = {
          ...s,
          status: 'CANCELED' as const,
          cancelReason: 'REQUESTED' as const,
          binding: null,
          endedAt: at(ended),
          version: 2,
        };
        expect(await ports.sessions.update(done, 1, anEventFor(done))).toBe(true);
      };
      await make('ses_old1', 0, 1);
      await make('ses_old2', 2, 3);
      await make('ses_old3', 4, 5);
      await make('ses_recent', 6, 20);
      await make('ses_open', 1, null);
      const first = await ports.sessions.redactEndedBefore(at(10), 2, at(30));
      expect(first).toEqual([
        { id: 'ses_old1', app: 'default', status: 'CANCELED', attempts: 0 },
        { id: 'ses_old2', app: 'default', status: 'CANCELED', attempts: 0 },
      ]);
      expect((await ports.sessions.redactEndedBefore(at(10), 2, at(30))).map((r) => r.id)).toEqual([
        'ses_old3',
      ]);
      expect(await ports.sessions.redactEndedBefore(at(10), 2, at(30))).toEqual([]);
      for (const id of ['ses_old1', 'ses_old2', 'ses_old3']) {
        expect(await ports.sessions.findById(id)).toMatchObject({
          openid: '',
          maskedName: '',
          maskedIdCardNumber: '',
          idNumberHmac: '',
          clientReferenceId: null,
          redactedAt: at(30),
          status: 'CANCELED',
          version: 3,
        });
      }
      expect(await ports.sessions.findById('ses_recent')).toMatchObject({
        redactedAt: null,
        clientReferenceId: 'ref-ses_recent',
      });
      expect(await ports.sessions.findById('ses_open')).toMatchObject({
        redactedAt: null,
        status: 'PENDING',
      });
    });

    it('retention by app: a batch takes only the apps named, or every app but those', async () => {
      const ended = async (id: string, app: string) => {
        const s = aSessionSnapshot({ id, app, createdAt: at(0) });
        await ports.sessions.insert(s, anEventFor(s));
        const done = {
          ...s,
          status: 'CANCELED' as const,
          cancelReason: 'REQUESTED' as const,
          binding: null,
          endedAt: at(1),
          version: 2,
        };
        expect(await ports.sessions.update(done, 1, anEventFor(done))).toBe(true);
      };
      await ended('ses_r_card', 'card');
      await ended('ses_r_retail', 'retail');
      await ended('ses_r_default', 'default');
      const card = await ports.sessions.redactEndedBefore(at(10), 10, at(30), { apps: ['card'] });
      expect(card).toEqual([{ id: 'ses_r_card', app: 'card', status: 'CANCELED', attempts: 0 }]);
      const others = await ports.sessions.redactEndedBefore(at(10), 10, at(30), {
        exceptApps: ['card', 'retail'],
      });
      expect(others.map((r) => r.id)).toEqual(['ses_r_default']);
      expect(await ports.sessions.findById('ses_r_retail')).toMatchObject({ redactedAt: null });
      expect(await ports.sessions.redactEndedBefore(at(10), 10, at(30), { apps: ['retail'] })).toHaveLength(
        1,
      );
    });
  });
}
