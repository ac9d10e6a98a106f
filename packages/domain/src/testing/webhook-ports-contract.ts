/**
 * The webhook ports' contract as a reusable vitest suite: the in-memory fakes and the SQL adapters run the
 * same tests (a separate package export, since it imports vitest).
 *
 *   webhookPortsContract('the SQL webhook adapters', async () => ({ endpoints, queue, log, outbox, ... }))
 *
 * `open` is called before every test and must return EMPTY stores (no endpoint, delivery or outbox event);
 * `close` is called after it. Times passed to the ports are fixed (from 2025-06-01T00:00:00Z); outbox events
 * are written at the real time, as a database stamps them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VerificationUpdatedEvent } from '../ports/event-publisher.port.js';
import type { OutboxPruner } from '../webhooks/outbox-pruner.port.js';
import {
  type ClaimedWebhookDelivery,
  EVERY_ENDPOINT_OWNER,
  type WebhookDescriber,
} from '../webhooks/webhook.types.js';
import type { WebhookDeliveryLog } from '../webhooks/webhook-delivery-log.port.js';
import type { WebhookDeliveryQueue } from '../webhooks/webhook-delivery-queue.port.js';
import type { WebhookEndpointRepository } from '../webhooks/webhook-endpoint.repository.port.js';

export interface WebhookPortsUnderTest {
  readonly endpoints: WebhookEndpointRepository;
  readonly queue: WebhookDeliveryQueue;
  readonly log: WebhookDeliveryLog;
  readonly outbox: OutboxPruner;
  /** Writes this session change to the outbox (as the session repository does), stamped now. */
  appendOutboxEvent(event: VerificationUpdatedEvent): Promise<void>;
  close(): Promise<void>;
}

const T0 = Date.parse('2025-06-01T00:00:00.000Z');
/** `s` seconds after T0. */
const at = (s: number) => new Date(T0 + s * 1000);
const LEASE = 60_000;

/**
 * A describer of the test's own: PENDING starts, VERIFIED verifies, nothing else is a webhook event; the app is
 * the event's (as webhookOf answers it).
 */
const describeEvent: WebhookDescriber = (row) => {
  const event = row.payload as { status?: string; app?: string };
  const type =
    event.status === 'PENDING'
      ? 'verification.started'
      : event.status === 'VERIFIED'
        ? 'verification.verified'
        : null;
  return type === null
    ? null
    : {
        type,
        app: event.app ?? 'default',
        body: `{"session":"${row.sessionId}","status":"${event.status}"}`,
      };
};

const ok = (attemptedAt: Date) => ({
  attemptedAt,
  statusCode: 200,
  latencyMs: 12.4,
  responseExcerpt: 'ok',
  error: null,
});
const failed = (attemptedAt: Date, statusCode = 500) => ({
  attemptedAt,
  statusCode,
  latencyMs: 30,
  responseExcerpt: null,
  error: `HTTP_${statusCode}`,
});

export function webhookPortsContract(name: string, open: () => Promise<WebhookPortsUnderTest>): void {
  describe(`${name} honour the webhook ports' contract`, () => {
    let subject: WebhookPortsUnderTest;
    let endpoints: WebhookEndpointRepository;
    let queue: WebhookDeliveryQueue;
    let log: WebhookDeliveryLog;
    const run = Math.random().toString(36).slice(2, 8);
    let counter = 0;
    const uid = (label: string) => `${label}_${run}_${++counter}`;

    beforeEach(async () => {
      subject = await open();
      ({ endpoints, queue, log } = subject);
    });
    afterEach(async () => {
      await subject.close();
    });

    const anEndpoint = (
      options: {
        events?: string[];
        apps?: string[] | null;
        owner?: string;
        secret?: string;
        now?: Date;
        url?: string;
      } = {},
    ) =>
      endpoints.create({
        id: uid('we'),
        url: options.url ?? 'https://hooks.example.com/facegate',
        description: 'orders',
        events: options.events ?? ['verification.started'],
        ...(options.apps !== undefined ? { apps: options.apps } : {}),
        secret: options.secret ?? 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        createdBy: options.owner ?? 'key_1',
        now: options.now ?? at(0),
      });
    const change = (
      sessionId: string,
      status: 'PENDING' | 'VERIFIED' | 'CANCELED',
      attempts = 0,
      app = 'default',
    ) =>
      subject.appendOutboxEvent({
        type: 'verification.updated',
        app,
        sessionId,
        status,
        attempts,
        occurredAt: new Date(),
      });
    /** Fans out everything in the outbox at `now`. */
    const fanOut = async (now = at(1)) => {
      while ((await queue.dispatchOutbox(now, 100, describeEvent)) > 0) {
        // until the outbox is empty
      }
    };
    const claim = async (now: Date, token: string, limit = 100) => queue.claimDue(now, limit, LEASE, token);

    it('creates endpoints as given, lists them oldest first, and answers another owner as if they did not exist', async () => {
      const mine = await anEndpoint({ owner: 'key_a', now: at(2), events: ['verification.verified'] });
      const theirs = await anEndpoint({ owner: 'key_b', now: at(1) });
      expect(mine).toEqual({
        id: mine.id,
        url: 'https://hooks.example.com/facegate',
        description: 'orders',
        events: ['verification.verified'],
        apps: null,
        enabled: true,
        disabledReason: null,
        disabledAt: null,
        failingSince: null,
        previousSecretExpiresAt: null,
        createdBy: 'key_a',
        createdAt: at(2),
        updatedAt: at(2),
      });
      expect((await endpoints.list()).map((e) => e.id)).toEqual([theirs.id, mine.id]);
      expect((await endpoints.list(EVERY_ENDPOINT_OWNER)).map((e) => e.id)).toEqual([theirs.id, mine.id]);
      expect((await endpoints.list('key_a')).map((e) => e.id)).toEqual([mine.id]);
      expect(await endpoints.list('key_c')).toEqual([]);

      expect(await endpoints.find(theirs.id, 'key_a')).toBeNull();
      expect(await endpoints.update(theirs.id, { url: 'https://evil.example/x' }, at(3), 'key_a')).toBeNull();
      expect(await endpoints.rotateSecret(theirs.id, 'whsec_evil', at(9), at(3), 'key_a')).toBeNull();
      expect(await endpoints.delete(theirs.id, 'key_a')).toBe(false);
      expect(await endpoints.find('we_unknown')).toBeNull();
      expect(await endpoints.find(theirs.id, 'key_b')).toEqual(theirs);

      const changed = await endpoints.update(
        theirs.id,
        { url: 'https://hooks.example.com/v2', description: 'v2', events: ['verification.verified'] },
        at(4),
      );
      expect(changed).toMatchObject({
        url: 'https://hooks.example.com/v2',
        description: 'v2',
        events: ['verification.verified'],
        enabled: true,
        createdAt: at(1),
        updatedAt: at(4),
      });
      expect(await endpoints.delete(theirs.id, 'key_b')).toBe(true);
      expect(await endpoints.find(theirs.id)).toBeNull();
      expect(await endpoints.delete(theirs.id)).toBe(false);
    });

    it('fans an event out once to each enabled endpoint subscribed to its type; other events are dispatched all the same', async () => {
      const starts = await anEndpoint({ events: ['verification.started'] });
      const verifies = await anEndpoint({ events: ['verification.verified', 'verification.started'] });
      const off = await anEndpoint({ events: ['verification.started'] });
      await endpoints.update(off.id, { enabled: false }, at(0));
      const session = uid('ses');
      await change(session, 'PENDING');
      await change(session, 'CANCELED');
      await change(session, 'VERIFIED', 1);

      expect(await queue.dispatchOutbox(at(1), 2, describeEvent)).toBe(2);
      expect(await queue.dispatchOutbox(at(1), 2, describeEvent)).toBe(1);
      expect(await queue.dispatchOutbox(at(1), 2, describeEvent)).toBe(0);

      const [started] = (await log.list(starts.id, null, 10, null)).items;
      expect(started).toEqual({
        id: started!.id,
        endpointId: starts.id,
        eventId: started!.eventId,
        eventType: 'verification.started',
        sessionId: session,
        status: 'PENDING',
        attempts: 0,
        nextAttemptAt: at(1),
        lastStatusCode: null,
        lastError: null,
        createdAt: at(1),
        finishedAt: null,
      });
      expect((await log.list(starts.id, null, 10, null)).items).toHaveLength(1);
      expect((await log.list(verifies.id, null, 10, null)).items.map((d) => d.eventType).sort()).toEqual([
        'verification.started',
        'verification.verified',
      ]);
      expect((await log.list(off.id, null, 10, null)).items).toEqual([]);
      expect(await log.find(started!.id)).toEqual(started);
    });

    it("an endpoint limited to some apps is told of their sessions only; one with apps null of every app's; an update changes them", async () => {
      const cardOnly = await anEndpoint({ apps: ['card'] });
      const every = await anEndpoint();
      const explicitEvery = await anEndpoint({ apps: null });
      expect(cardOnly.apps).toEqual(['card']);
      expect(every.apps).toBeNull();
      expect(explicitEvery.apps).toBeNull();
      expect((await endpoints.find(cardOnly.id))?.apps).toEqual(['card']);
      const sessionsOf = async (endpointId: string) =>
        (await log.list(endpointId, null, 10, null)).items.map((d) => d.sessionId).sort();

      const inCard = uid('ses');
      const inDefault = uid('ses');
      const inShop = uid('ses');
      await change(inCard, 'PENDING', 0, 'card');
      await change(inDefault, 'PENDING');
      await change(inShop, 'PENDING', 0, 'shop');
      await fanOut();
      expect(await sessionsOf(cardOnly.id)).toEqual([inCard]);
      expect(await sessionsOf(every.id)).toEqual([inCard, inDefault, inShop].sort());
      expect(await sessionsOf(explicitEvery.id)).toEqual([inCard, inDefault, inShop].sort());

      const widened = await endpoints.update(cardOnly.id, { apps: ['card', 'default'] }, at(2));
      expect(widened?.apps).toEqual(['card', 'default']);
      const narrowed = await endpoints.update(every.id, { apps: ['shop'] }, at(2));
      expect(narrowed?.apps).toEqual(['shop']);
      // an update that names no apps leaves them as they are
      expect((await endpoints.update(every.id, { description: 'shop only' }, at(2)))?.apps).toEqual(['shop']);
      const later = uid('ses');
      await change(later, 'PENDING');
      await fanOut(at(3));
      expect(await sessionsOf(cardOnly.id)).toEqual([inCard, later].sort());
      expect(await sessionsOf(every.id)).toEqual([inCard, inDefault, inShop].sort());

      expect((await endpoints.update(every.id, { apps: null }, at(4)))?.apps).toBeNull();
      expect((await endpoints.find(every.id))?.apps).toBeNull();
    });

    it('a claim holds a delivery for its lease with what sending needs; only its token moves it on, the attempt is recorded either way', async () => {
      const endpoint = await anEndpoint({ url: 'https://hooks.example.com/a' });
      const session = uid('ses');
      await change(session, 'PENDING');
      await fanOut(at(1));

      const [first, ...none] = await claim(at(2), 'c1');
      expect(none).toEqual([]);
      expect(first).toEqual({
        id: first!.id,
        endpointId: endpoint.id,
        eventId: first!.eventId,
        eventType: 'verification.started',
        sessionId: session,
        body: `{"session":"${session}","status":"PENDING"}`,
        attempts: 0,
        url: 'https://hooks.example.com/a',
        secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
        claimToken: 'c1',
      });
      expect(await claim(at(2), 'c2')).toEqual([]);
      expect(await claim(at(61), 'c2')).toEqual([]);
      // the lease ran out: due again, under a new claim
      const [again] = await claim(at(63), 'c3');
      expect(again).toMatchObject({ id: first!.id, claimToken: 'c3', attempts: 0 });

      // the old claim's answer is recorded, but the delivery is no longer its to move
      await queue.finishAttempt(first!, ok(at(64)), { status: 'DELIVERED', retryAt: null });
      expect(await log.find(first!.id)).toMatchObject({ status: 'PENDING', attempts: 0 });

      await queue.finishAttempt(again!, failed(at(65), 503), { status: 'PENDING', retryAt: at(125) });
      expect(await log.find(first!.id)).toMatchObject({
        status: 'PENDING',
        attempts: 1,
        nextAttemptAt: at(125),
        lastStatusCode: 503,
        lastError: 'HTTP_503',
        finishedAt: null,
      });
      expect((await endpoints.find(endpoint.id))?.failingSince).toEqual(at(65));
      expect(await claim(at(124), 'c4')).toEqual([]);
      const [retry] = await claim(at(125), 'c4');
      expect(retry).toMatchObject({ id: first!.id, attempts: 1 });
      await queue.finishAttempt(retry!, failed(at(126)), { status: 'PENDING', retryAt: at(200) });
      // a streak starts once: its first failure
      expect((await endpoints.find(endpoint.id))?.failingSince).toEqual(at(65));
      const [last] = await claim(at(200), 'c5');
      await queue.finishAttempt(last!, ok(at(201)), { status: 'DELIVERED', retryAt: null });
      expect(await log.find(first!.id)).toMatchObject({
        status: 'DELIVERED',
        attempts: 3,
        lastStatusCode: 200,
        lastError: null,
        finishedAt: at(201),
      });
      expect((await endpoints.find(endpoint.id))?.failingSince).toBeNull();
      expect(await claim(at(999), 'c6')).toEqual([]);
      expect(await log.attemptsOf([first!.id])).toEqual([
        {
          deliveryId: first!.id,
          attemptedAt: at(64),
          statusCode: 200,
          latencyMs: 12,
          responseExcerpt: 'ok',
          error: null,
        },
        {
          deliveryId: first!.id,
          attemptedAt: at(65),
          statusCode: 503,
          latencyMs: 30,
          responseExcerpt: null,
          error: 'HTTP_503',
        },
        {
          deliveryId: first!.id,
          attemptedAt: at(126),
          statusCode: 500,
          latencyMs: 30,
          responseExcerpt: null,
          error: 'HTTP_500',
        },
        {
          deliveryId: first!.id,
          attemptedAt: at(201),
          statusCode: 200,
          latencyMs: 12,
          responseExcerpt: 'ok',
          error: null,
        },
      ]);
    });

    it("keeps each session's order per endpoint; a released claim is due again at once, but only its holder can release it", async () => {
      const endpoint = await anEndpoint({ events: ['verification.started', 'verification.verified'] });
      const session = uid('ses');
      await change(session, 'PENDING');
      await change(session, 'VERIFIED', 1);
      await fanOut(at(1));

      const [held, ...rest] = await claim(at(2), 'holder');
      expect(rest).toEqual([]);
      expect(held).toMatchObject({ endpointId: endpoint.id, eventType: 'verification.started' });
      await queue.releaseClaim({ ...held!, claimToken: 'not-the-holder' } as ClaimedWebhookDelivery, at(3));
      expect(await claim(at(3), 'other')).toEqual([]);
      await queue.releaseClaim(held!, at(3));
      const [back, ...still] = await claim(at(3), 'next');
      expect(still).toEqual([]);
      expect(back).toMatchObject({ id: held!.id, attempts: 0 });
      await queue.finishAttempt(back!, ok(at(4)), { status: 'DELIVERED', retryAt: null });
      const [then] = await claim(at(4), 'after');
      expect(then).toMatchObject({ eventType: 'verification.verified', sessionId: session });
      expect(then!.eventId).toBeGreaterThan(held!.eventId);
    });

    it('spreads a claim over endpoints: perEndpoint each, one while failing, an idle endpoint first', async () => {
      const [x, y, failing] = [(await anEndpoint()).id, (await anEndpoint()).id, (await anEndpoint()).id];
      for (let i = 0; i < 6; i++) await change(uid('ses'), 'PENDING');
      await fanOut(at(1));
      // a failure starts the third endpoint's streak; everything else is given back unsent
      const all = await claim(at(1), 'f');
      const first = all.find((c) => c.endpointId === failing)!;
      await queue.finishAttempt(first, failed(at(1)), { status: 'PENDING', retryAt: at(1) });
      for (const c of all) if (c.id !== first.id) await queue.releaseClaim(c, at(1));
      const count = (claims: ClaimedWebhookDelivery[]) => {
        const per = new Map<string, number>();
        for (const c of claims) per.set(c.endpointId, (per.get(c.endpointId) ?? 0) + 1);
        return { x: per.get(x) ?? 0, y: per.get(y) ?? 0, failing: per.get(failing) ?? 0 };
      };
      const now = at(2);
      const take = (token: string, limits: Parameters<WebhookDeliveryQueue['claimDue']>[4], limit = 100) =>
        queue.claimDue(now, limit, LEASE, token, limits);
      expect(count(await take('c1', { perEndpoint: 2 }))).toEqual({ x: 2, y: 2, failing: 1 });
      expect(
        count(
          await take('c2', {
            perEndpoint: 2,
            inFlight: new Map([
              [x, 2],
              [y, 2],
              [failing, 1],
            ]),
          }),
        ),
      ).toEqual({ x: 0, y: 0, failing: 0 });
      expect(
        count(
          await take('c3', {
            perEndpoint: 2,
            inFlight: new Map([
              [x, 1],
              [y, 2],
              [failing, 1],
            ]),
          }),
        ),
      ).toEqual({ x: 1, y: 0, failing: 0 });
      // no shared slot left: only endpoints with nothing in flight get one (their first)
      expect(
        count(await take('c4', { perEndpoint: 4, sharedLimit: 0, inFlight: new Map([[x, 3]]) })),
      ).toEqual({ x: 0, y: 1, failing: 1 });
    });

    it("with room for two, two endpoints get one each: an endpoint's first slot comes before anyone's second", async () => {
      const ids = [(await anEndpoint()).id, (await anEndpoint()).id];
      for (let i = 0; i < 3; i++) await change(uid('ses'), 'PENDING');
      await fanOut(at(1));
      const claimed = await queue.claimDue(at(2), 2, LEASE, 'c1', { perEndpoint: 4 });
      expect(claimed.map((c) => c.endpointId).sort()).toEqual([...ids].sort());
    });

    it('disabling, by hand or for failing too long, ends pending deliveries as FAILED; enabling forgets the streak; redeliver queues one again', async () => {
      const endpoint = await anEndpoint({ owner: 'key_a' });
      const session = uid('ses');
      await change(session, 'PENDING');
      await fanOut(at(1));
      expect(await endpoints.disableIfFailingSince(endpoint.id, at(100), at(100))).toBe(false);
      const [attempt] = await claim(at(10), 'c1');
      await queue.finishAttempt(attempt!, failed(at(10)), { status: 'PENDING', retryAt: at(20) });
      expect(await endpoints.disableIfFailingSince(endpoint.id, at(9), at(100))).toBe(false);
      expect(await endpoints.disableIfFailingSince(endpoint.id, at(10), at(100))).toBe(true);
      expect(await endpoints.disableIfFailingSince(endpoint.id, at(10), at(101))).toBe(false);
      expect(await endpoints.find(endpoint.id)).toMatchObject({
        enabled: false,
        disabledReason: 'FAILING',
        disabledAt: at(100),
        failingSince: at(10),
      });
      expect(await log.find(attempt!.id)).toMatchObject({
        status: 'FAILED',
        lastError: 'ENDPOINT_FAILING',
        finishedAt: at(100),
      });
      expect(await claim(at(500), 'c2')).toEqual([]);

      expect(await endpoints.update(endpoint.id, { enabled: true }, at(200))).toMatchObject({
        enabled: true,
        disabledReason: null,
        disabledAt: null,
        failingSince: null,
        updatedAt: at(200),
      });
      expect(await queue.redeliver(attempt!.id, at(201), 'key_b')).toBeNull();
      expect(await log.find(attempt!.id, 'key_b')).toBeNull();
      expect(await queue.redeliver('msg_unknown', at(201))).toBeNull();
      expect(await queue.redeliver(attempt!.id, at(201), 'key_a')).toMatchObject({
        id: attempt!.id,
        status: 'PENDING',
        attempts: 0,
        nextAttemptAt: at(201),
        finishedAt: null,
      });
      expect((await claim(at(201), 'c3')).map((c) => c.id)).toEqual([attempt!.id]);

      expect(await endpoints.update(endpoint.id, { enabled: false }, at(300), 'key_a')).toMatchObject({
        enabled: false,
        disabledReason: 'MANUAL',
        disabledAt: at(300),
      });
      expect(await log.find(attempt!.id, 'key_a')).toMatchObject({
        status: 'FAILED',
        lastError: 'ENDPOINT_DISABLED',
        finishedAt: at(300),
      });
    });

    it('a rotated secret signs with the previous one until it expires', async () => {
      const endpoint = await anEndpoint({ secret: 'whsec_old' });
      expect(
        await endpoints.rotateSecret(endpoint.id, 'whsec_new', at(1000), at(10), EVERY_ENDPOINT_OWNER),
      ).toMatchObject({ previousSecretExpiresAt: at(1000), updatedAt: at(10) });
      await change(uid('ses'), 'PENDING');
      await fanOut(at(11));
      const [during] = await claim(at(11), 'c1');
      expect(during!.secrets).toEqual(['whsec_new', 'whsec_old']);
      await queue.releaseClaim(during!, at(1000));
      const [after] = await claim(at(1000), 'c2');
      expect(after!.secrets).toEqual(['whsec_new']);
    });

    it('lists deliveries newest first in pages and by status, reads the attempts of many at once, and prunes finished ones', async () => {
      const endpoint = await anEndpoint();
      for (let i = 1; i <= 3; i++) {
        await change(uid('ses'), 'PENDING');
        await fanOut(at(i));
      }
      const all = (await log.list(endpoint.id, null, 10, null)).items;
      expect(all.map((d) => d.createdAt)).toEqual([at(3), at(2), at(1)]);
      const page = await log.list(endpoint.id, null, 2, null);
      expect(page).toEqual({ items: all.slice(0, 2), hasNextPage: true });
      const rest = await log.list(endpoint.id, null, 2, page.items[1]!);
      expect(rest).toEqual({ items: all.slice(2), hasNextPage: false });

      const [newest, middle, oldest] = all as [(typeof all)[0], (typeof all)[0], (typeof all)[0]];
      const byId = new Map((await claim(at(5), 'c1')).map((c) => [c.id, c]));
      await queue.finishAttempt(byId.get(oldest.id)!, ok(at(6)), { status: 'DELIVERED', retryAt: null });
      await queue.finishAttempt(byId.get(middle.id)!, failed(at(7)), { status: 'FAILED', retryAt: null });
      await queue.finishAttempt(byId.get(newest.id)!, failed(at(8)), { status: 'PENDING', retryAt: at(100) });
      expect((await log.list(endpoint.id, 'FAILED', 10, null)).items.map((d) => d.id)).toEqual([middle.id]);
      expect((await log.list(endpoint.id, 'PENDING', 10, null)).items.map((d) => d.id)).toEqual([newest.id]);

      const attempts = await log.attemptsOf([newest.id, oldest.id, middle.id]);
      expect(attempts.map((a) => [a.deliveryId, a.statusCode])).toEqual([
        [oldest.id, 200],
        [middle.id, 500],
        [newest.id, 500],
      ]);
      expect(await log.attemptsOf([])).toEqual([]);

      // finished before the cutoff: gone with its attempts; finished later, or still pending: kept
      expect(await log.prune(at(7))).toBe(1);
      expect(await log.find(oldest.id)).toBeNull();
      expect(await log.attemptsOf([oldest.id])).toEqual([]);
      expect(await log.prune(at(7))).toBe(0);
      expect(await log.prune(at(1000), 1)).toBe(1);
      expect((await log.list(endpoint.id, null, 10, null)).items.map((d) => d.id)).toEqual([newest.id]);
    });

    it('deleting an endpoint deletes its deliveries and their attempts', async () => {
      const endpoint = await anEndpoint();
      await change(uid('ses'), 'PENDING');
      await fanOut(at(1));
      const [c] = await claim(at(1), 'c1');
      await queue.finishAttempt(c!, ok(at(2)), { status: 'DELIVERED', retryAt: null });
      expect(await endpoints.delete(endpoint.id)).toBe(true);
      expect(await log.find(c!.id)).toBeNull();
      expect(await log.attemptsOf([c!.id])).toEqual([]);
    });

    it('answers when the oldest event not yet fanned out was written, and null once all are', async () => {
      expect(await queue.oldestUndispatchedAt()).toBeNull();
      const before = Date.now();
      await change(uid('ses'), 'PENDING');
      await change(uid('ses'), 'PENDING');
      const oldest = await queue.oldestUndispatchedAt();
      expect(oldest).toBeInstanceOf(Date);
      // written now by the store's clock (the database's on PostgreSQL, on this machine)
      expect(Math.abs(oldest!.getTime() - before)).toBeLessThan(60_000);
      await queue.dispatchOutbox(at(1), 1, describeEvent);
      expect((await queue.oldestUndispatchedAt())!.getTime()).toBeGreaterThanOrEqual(oldest!.getTime());
      await queue.dispatchOutbox(at(1), 10, describeEvent);
      expect(await queue.oldestUndispatchedAt()).toBeNull();
    });

    it('the outbox pruner drops only fanned-out events written before the cutoff', async () => {
      await change(uid('ses'), 'PENDING');
      await change(uid('ses'), 'PENDING');
      const later = new Date(Date.now() + 3600_000);
      await queue.dispatchOutbox(at(1), 1, describeEvent);
      expect(await subject.outbox.prune(new Date(0))).toBe(0);
      expect(await subject.outbox.prune(later)).toBe(1);
      expect(await subject.outbox.prune(later)).toBe(0);
      expect(await queue.dispatchOutbox(at(2), 10, describeEvent)).toBe(1);
      expect(await subject.outbox.prune(later, 1)).toBe(1);
      expect(await queue.dispatchOutbox(at(3), 10, describeEvent)).toBe(0);
    });
  });
}
