import { AppExistsError, type NewApp, type VerificationSessionSnapshot, webhookOf } from '@facegate/domain';
import { anEventFor } from '@facegate/domain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AesGcmFieldCipher,
  type Database,
  FieldCipherError,
  loadMigrations,
  migrate,
  parseVerificationEvent,
  SqlApiKeyStore,
  SqlAppStore,
  SqlSecretRotation,
  SqlVerificationSessionRepository,
  SqlWebhookDeliveryQueue,
  SqlWebhookEndpointRepository,
} from '../src/index';
import { appendOutboxEvent } from '../src/testing';
import { allHarnesses, type DriverHarness, openMigrated } from './support/drivers';
import { aSession, TEST_KEY, uniqueId } from './support/session-mother';

// each driver twice: one database for the adapters, another that starts at migration 0010 and is upgraded
const harnesses = await allHarnesses({ disk: false });
const upgraded = await allHarnesses({ disk: false });

const OLD_KEY = { id: 'aaaaaaaa', key: new Uint8Array(32).fill(1) };
const NEW_KEY = { id: 'bbbbbbbb', key: new Uint8Array(32).fill(2) };
const secrets = new AesGcmFieldCipher([OLD_KEY]);
const sessionCipher = new AesGcmFieldCipher(TEST_KEY);
const T0 = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const WECHAT_SECRET = 'b1f2e3d4c5a6978812345678abcdef90';

const anApp = (over: Partial<NewApp> = {}): NewApp => ({
  id: `app-${uniqueId('a').slice(2)}`,
  appId: `wx${uniqueId('x').slice(2)}0000`,
  displayName: 'Retail',
  protocols: ['V2', 'LEGACY'],
  secret: { kind: 'STORED', value: WECHAT_SECRET },
  now: at(0),
  ...over,
});

harnesses.forEach((harness, index) => {
  describe(`apps on ${harness.name}`, () => {
    let db: Database;
    let apps: SqlAppStore;
    let repo: SqlVerificationSessionRepository;

    beforeAll(async () => {
      db = await openMigrated(harness);
      apps = new SqlAppStore(db, secrets);
      repo = new SqlVerificationSessionRepository(db, sessionCipher);
    });
    afterAll(async () => {
      await db?.close();
      await harness.destroy();
    });

    const rawApp = async (id: string) =>
      (await db.query<Record<string, unknown>>('SELECT * FROM apps WHERE id = $1', [id]))[0];

    describe('SqlAppStore', () => {
      it('adds apps with a stored or a named secret and lists them by slug, secrets never in a record', async () => {
        const stored = await apps.add(anApp({ id: 'zz-retail', appId: 'wx00000000000000a1' }));
        const named = await apps.add(
          anApp({
            id: 'aa-card',
            appId: 'wx00000000000000a2',
            displayName: 'Card',
            protocols: ['LEGACY'],
            overrides: { alternative: { kind: 'PAGE', target: '/pages/counter/index', label: '到柜台办理' } },
            secret: { kind: 'ENV', variable: 'WECHAT_SECRET_CARD' },
            now: at(5),
          }),
        );
        expect(stored).toEqual({
          id: 'zz-retail',
          appId: 'wx00000000000000a1',
          displayName: 'Retail',
          protocols: ['V2', 'LEGACY'],
          disabled: false,
          secretSource: { kind: 'STORED' },
          overrides: {},
          origin: 'DATABASE',
          createdAt: at(0),
          updatedAt: at(0),
        });
        expect(named.secretSource).toEqual({ kind: 'ENV', variable: 'WECHAT_SECRET_CARD' });
        expect(named.overrides).toEqual({
          alternative: { kind: 'PAGE', target: '/pages/counter/index', label: '到柜台办理' },
        });
        const listed = await apps.list();
        expect(listed.map((a) => a.id)).toEqual(['aa-card', 'zz-retail']);
        expect(listed).toEqual([named, stored]);
        expect(JSON.stringify(listed)).not.toContain(WECHAT_SECRET);
        expect(await apps.storedSecret('zz-retail')).toBe(WECHAT_SECRET);
        expect(await apps.storedSecret('aa-card')).toBeNull();
        expect(await apps.storedSecret('nope')).toBeNull();
      });

      it('stores a secret sealed, never in clear, and sealed for its own app only', async () => {
        const a = await apps.add(anApp());
        const b = await apps.add(anApp({ secret: { kind: 'STORED', value: 'another-secret-value' } }));
        const row = await rawApp(a.id);
        expect(row?.secret_env).toBeNull();
        expect(row?.secret_sealed).toMatch(/^v2\.aaaaaaaa\./);
        expect(JSON.stringify(row)).not.toContain(WECHAT_SECRET);
        // moved into another app's row, it does not open (the slug is authenticated with it)
        await db.query('UPDATE apps SET secret_sealed = $2 WHERE id = $1', [b.id, row?.secret_sealed]);
        await expect(apps.storedSecret(b.id)).rejects.toThrow(FieldCipherError);
        // another key ring does not open it either
        await expect(
          new SqlAppStore(db, new AesGcmFieldCipher([NEW_KEY])).storedSecret(a.id),
        ).rejects.toThrow(FieldCipherError);
      });

      it('refuses a taken slug or appid, on add and on update, and writes nothing', async () => {
        const first = await apps.add(anApp());
        const other = await apps.add(anApp());
        await expect(apps.add(anApp({ id: first.id }))).rejects.toThrow(AppExistsError);
        await expect(apps.add(anApp({ id: first.id }))).rejects.toMatchObject({ field: 'id' });
        await expect(apps.add(anApp({ appId: first.appId }))).rejects.toMatchObject({
          code: 'APP_EXISTS',
          field: 'appId',
        });
        await expect(apps.update(other.id, { appId: first.appId }, at(9))).rejects.toMatchObject({
          field: 'appId',
        });
        expect((await apps.list()).find((a) => a.id === other.id)).toEqual(other);
      });

      it('updates what a change names and leaves the rest; switches the secret between named and stored', async () => {
        const app = await apps.add(anApp({ overrides: { limits: { openidPerDay: 3 } } }));
        const renamed = await apps.update(app.id, { displayName: 'Retail (new)', protocols: ['V2'] }, at(10));
        expect(renamed).toEqual({
          ...app,
          displayName: 'Retail (new)',
          protocols: ['V2'],
          updatedAt: at(10),
        });
        expect(await apps.storedSecret(app.id)).toBe(WECHAT_SECRET);

        const named = await apps.update(
          app.id,
          { secret: { kind: 'ENV', variable: 'RETAIL_SECRET' }, disabled: true, overrides: {} },
          at(20),
        );
        expect(named).toMatchObject({
          secretSource: { kind: 'ENV', variable: 'RETAIL_SECRET' },
          disabled: true,
          overrides: {},
          displayName: 'Retail (new)',
          updatedAt: at(20),
        });
        expect((await rawApp(app.id))?.secret_sealed).toBeNull();
        expect(await apps.storedSecret(app.id)).toBeNull();

        const restored = await apps.update(
          app.id,
          { secret: { kind: 'STORED', value: 'rotated-wechat-secret' }, disabled: false },
          at(30),
        );
        expect(restored).toMatchObject({ secretSource: { kind: 'STORED' }, disabled: false });
        expect((await rawApp(app.id))?.secret_env).toBeNull();
        expect(await apps.storedSecret(app.id)).toBe('rotated-wechat-secret');
        expect(await apps.update('no-such-app', { displayName: 'x' }, at(40))).toBeNull();
      });
    });

    describe('sessions by app', () => {
      const openid = uniqueId('o');
      const verified = (app: string, verifiedAtMs: number) =>
        aSession({
          app,
          openid,
          status: 'VERIFIED',
          binding: null,
          createdAt: at(verifiedAtMs - 500),
          verifiedAt: at(verifiedAtMs),
          endedAt: at(verifiedAtMs),
        });
      const retail = verified('retail', 1000);
      const card = verified('card', 5000);
      const old = verified('default', 3000);

      beforeAll(async () => {
        for (const s of [retail, card, old]) await repo.insert(s, anEventFor(s, at(0)));
      });

      it('stores the app and reads it back', async () => {
        expect(await repo.findById(card.id)).toEqual(card);
      });

      it('finds the latest verified session of a user within one app only', async () => {
        expect((await repo.findLatestVerified(openid, 'retail'))?.id).toBe(retail.id);
        expect((await repo.findLatestVerified(openid, 'card'))?.id).toBe(card.id);
        expect((await repo.findLatestVerified(openid, 'default'))?.id).toBe(old.id);
        expect(await repo.findLatestVerified(openid, 'other')).toBeNull();
      });

      it('lists one app, a list of apps, or every app', async () => {
        const ids = async (filter: Parameters<typeof repo.list>[0]) =>
          (await repo.list({ openid, ...filter }, 10, null)).items.map((s) => s.id);
        expect(await ids({})).toEqual([card.id, old.id, retail.id]);
        expect(await ids({ app: 'retail' })).toEqual([retail.id]);
        expect(await ids({ apps: ['retail', 'default'] })).toEqual([old.id, retail.id]);
        expect(await ids({ apps: null })).toEqual([card.id, old.id, retail.id]);
        expect(await ids({ apps: [] })).toEqual([]);
        expect(await ids({ app: 'card', apps: ['retail'] })).toEqual([]);
        // without an openid too (an API key limited to some apps)
        const page = await repo.list({ apps: ['card'] }, 100, null);
        expect(page.items.every((s) => s.app === 'card')).toBe(true);
        expect(page.items.map((s) => s.id)).toContain(card.id);
      });

      it('claims for a user only within their app (no app given: the default app)', async () => {
        const request = (s: VerificationSessionSnapshot, app?: string | null) => ({
          sessionId: s.id,
          evidenceHash: uniqueId('ev'),
          protocol: s.protocol,
          openid: s.openid,
          now: at(1000),
          ...(app === undefined ? {} : { app }),
        });
        const pending = (app: string) => aSession({ app, createdAt: at(0), expiresAt: at(600_000) });
        const r = pending('retail');
        const d = pending('default');
        for (const s of [r, d]) await repo.insert(s, anEventFor(s, at(0)));
        // the same openid in another app is another person: read, not claimed
        expect(await repo.findAndClaim(request(r, 'card'))).toEqual({ session: r, claimed: false });
        expect(await repo.findAndClaim(request(r))).toEqual({ session: r, claimed: false });
        expect(await repo.findAndClaim(request(r, null))).toEqual({ session: r, claimed: false });
        expect(await repo.findAndClaim(request(r, 'retail'))).toEqual({ session: r, claimed: true });
        expect(await repo.findAndClaim(request(d))).toEqual({ session: d, claimed: true });
        expect(await repo.findAndClaim(request(d, 'retail'))).toEqual({ session: d, claimed: false });
        // a service (no openid) claims whatever the app
        expect(
          (await repo.findAndClaim({ ...request(r, 'card'), openid: null, evidenceHash: uniqueId('ev') }))
            .claimed,
        ).toBe(true);
        // while a rotation runs (older hashes given), the same rule
        const rotating = { ...request(r, 'card'), previousEvidenceHashes: [uniqueId('old')] };
        expect((await repo.findAndClaim(rotating)).claimed).toBe(false);
        expect((await repo.findAndClaim({ ...rotating, app: 'retail' })).claimed).toBe(true);
      });

      it('keeps the app through a redaction, and announces it', async () => {
        const ended = aSession({
          app: 'retail',
          status: 'CANCELED',
          cancelReason: 'REQUESTED',
          binding: null,
          createdAt: new Date('2000-01-01T00:00:00.000Z'),
          endedAt: new Date('2000-01-01T00:01:00.000Z'),
        });
        await repo.insert(ended, anEventFor(ended, ended.createdAt));
        const done = await repo.redactEndedBefore(new Date('2000-02-01T00:00:00.000Z'), 10, at(0));
        expect(done).toEqual([{ id: ended.id, app: 'retail', status: 'CANCELED', attempts: 0 }]);
        const after = await repo.findById(ended.id);
        expect(after).toMatchObject({ app: 'retail', openid: '', redactedAt: at(0) });
        const [event] = await db.query<{ payload: string }>(
          `SELECT payload::text AS payload FROM event_outbox WHERE session_id = $1 AND event_type = 'verification.redacted'`,
          [ended.id],
        );
        expect(parseVerificationEvent(event!.payload)).toMatchObject({ app: 'retail', sessionId: ended.id });
      });
    });

    describe('webhook endpoints by app', () => {
      it('stores an endpoint’s apps, changes them, and fans out only its apps’ events', async () => {
        await db.exec('DELETE FROM webhook_endpoints; DELETE FROM event_outbox;');
        const endpoints = new SqlWebhookEndpointRepository(db, secrets);
        const queue = new SqlWebhookDeliveryQueue(db, secrets);
        const endpoint = (id: string, appsOf: readonly string[] | null | undefined) =>
          endpoints.create({
            id,
            url: 'https://hooks.example.com/x',
            description: '',
            events: ['verification.started'],
            ...(appsOf === undefined ? {} : { apps: appsOf }),
            secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
            createdBy: 'cli',
            now: at(0),
          });
        const every = await endpoint(`we_every_${index}`, undefined);
        const retailOnly = await endpoint(`we_retail_${index}`, ['retail']);
        const cardOnly = await endpoint(`we_card_${index}`, ['card', 'default']);
        expect(every.apps).toBeNull();
        expect(retailOnly.apps).toEqual(['retail']);
        expect(await endpoints.find(cardOnly.id)).toMatchObject({ apps: ['card', 'default'] });

        const started = (app: string) => {
          const sessionId = uniqueId();
          return { sessionId, event: anEventFor(aSession({ id: sessionId, app }), at(0)) };
        };
        const retail = started('retail');
        const card = started('card');
        const before = started('default');
        await appendOutboxEvent(db, retail.event);
        await appendOutboxEvent(db, card.event);
        // an event stored before apps: no app in its payload, the default app's
        const { app: _none, ...legacyPayload } = JSON.parse(JSON.stringify(before.event));
        await db.query(
          `INSERT INTO event_outbox (event_type, session_id, payload) VALUES ('verification.updated', $1, $2::text::jsonb)`,
          [before.sessionId, JSON.stringify(legacyPayload)],
        );
        while ((await queue.dispatchOutbox(at(1), 100, webhookOf)) > 0) {
          // until the outbox is fanned out
        }
        const deliveries = async () =>
          (
            await db.query<{ endpoint_id: string; session_id: string }>(
              'SELECT endpoint_id, session_id FROM webhook_deliveries ORDER BY event_id, endpoint_id',
            )
          ).map((d) => `${d.endpoint_id}:${d.session_id}`);
        expect((await deliveries()).sort()).toEqual(
          [
            `${every.id}:${retail.sessionId}`,
            `${retailOnly.id}:${retail.sessionId}`,
            `${every.id}:${card.sessionId}`,
            `${cardOnly.id}:${card.sessionId}`,
            `${every.id}:${before.sessionId}`,
            `${cardOnly.id}:${before.sessionId}`,
          ].sort(),
        );

        expect((await endpoints.update(retailOnly.id, { apps: ['card'] }, at(2)))?.apps).toEqual(['card']);
        expect((await endpoints.update(retailOnly.id, { description: 'kept' }, at(3)))?.apps).toEqual([
          'card',
        ]);
        expect((await endpoints.update(cardOnly.id, { apps: null }, at(4)))?.apps).toBeNull();
        const later = started('card');
        await appendOutboxEvent(db, later.event);
        while ((await queue.dispatchOutbox(at(5), 100, webhookOf)) > 0) {
          // until the outbox is fanned out
        }
        expect((await deliveries()).filter((d) => d.endsWith(later.sessionId)).sort()).toEqual(
          [every.id, retailOnly.id, cardOnly.id].map((id) => `${id}:${later.sessionId}`).sort(),
        );
        // a describer that names no app: the default app's
        const noApp = started('card');
        await appendOutboxEvent(db, noApp.event);
        await endpoints.update(retailOnly.id, { apps: ['default'] }, at(6));
        const describeWithoutApp = (row: Parameters<typeof webhookOf>[0]) => {
          const described = webhookOf(row);
          return described === null ? null : { type: described.type, body: described.body };
        };
        while ((await queue.dispatchOutbox(at(7), 100, describeWithoutApp)) > 0) {
          // until the outbox is fanned out
        }
        expect((await deliveries()).filter((d) => d.endsWith(noApp.sessionId)).sort()).toEqual(
          [every.id, retailOnly.id, cardOnly.id].map((id) => `${id}:${noApp.sessionId}`).sort(),
        );
      });
    });

    it('the secret rotation counts and re-seals the apps’ stored secrets with the webhook secrets', async () => {
      await db.exec('DELETE FROM apps; DELETE FROM webhook_endpoints;');
      const stored = ['rot-a', 'rot-b', 'rot-c'];
      for (const [i, id] of stored.entries()) {
        await apps.add(anApp({ id, secret: { kind: 'STORED', value: `secret-${id}` }, now: at(i) }));
      }
      await apps.add(anApp({ id: 'rot-env', secret: { kind: 'ENV', variable: 'ROT_ENV_SECRET' } }));
      await new SqlWebhookEndpointRepository(db, secrets).create({
        id: `we_rot_${index}`,
        url: 'https://hooks.example.com/x',
        description: '',
        events: ['verification.verified'],
        secret: 'whsec_rotated',
        createdBy: 'cli',
        now: at(0),
      });
      const rotating = new AesGcmFieldCipher([NEW_KEY, OLD_KEY]);
      const rotation = new SqlSecretRotation(db, {
        sessionCipher,
        webhookCipher: rotating,
        evidenceSkewMs: 60_000,
      });
      const webhookSecrets = async () =>
        (await rotation.countByKey(at(0)))
          .filter((c) => c.kind === 'webhook-secret')
          .map((c) => `${c.keyId}:${c.rows}`)
          .sort();
      expect(await webhookSecrets()).toEqual(['aaaaaaaa:4']);
      const updatedBefore = (await apps.list()).map((a) => a.updatedAt);

      // two rows a batch: the endpoint and the first app, then the next two apps, then none left
      const batches = [];
      let after: string | null = null;
      do {
        const batch = await rotation.reseal('webhook-secret', after, 2);
        batches.push(batch);
        after = batch.next;
      } while (after !== null && batches.length < 10);
      expect(batches.reduce((n, b) => n + b.resealed, 0)).toBe(4);
      expect(batches.reduce((n, b) => n + b.skipped, 0)).toBe(0);
      expect(await webhookSecrets()).toEqual(['bbbbbbbb:4']);

      const newOnly = new SqlAppStore(db, new AesGcmFieldCipher([NEW_KEY]));
      for (const id of stored) expect(await newOnly.storedSecret(id)).toBe(`secret-${id}`);
      expect(await newOnly.storedSecret('rot-env')).toBeNull();
      expect((await apps.list()).map((a) => a.updatedAt)).toEqual(updatedBefore);
      // a second pass finds nothing to do, in one batch
      expect(await rotation.reseal('webhook-secret', null, 10)).toEqual({
        resealed: 0,
        skipped: 0,
        next: null,
      });
    });

    it('API keys keep the apps they are limited to', async () => {
      const keys = new SqlApiKeyStore(db);
      const key = await keys.create({
        name: 'retail',
        prefix: uniqueId('fg'),
        secretHash: 'h',
        scopes: ['read'],
        apps: ['retail'],
      });
      expect((await keys.findActiveByPrefix(key.prefix))?.apps).toEqual(['retail']);
    });
  });

  describe(`upgrading a ${harness.name} database from migration 0010`, () => {
    const h: DriverHarness = upgraded[index]!;
    let db: Database;

    beforeAll(async () => {
      db = await h.open();
    });
    afterAll(async () => {
      await db?.close();
      await h.destroy();
    });

    it('reads every earlier session, key, endpoint and event as the default app’s', async () => {
      const all = await loadMigrations();
      expect(
        await migrate(
          db,
          all.filter((m) => m.version < '0011'),
        ),
      ).toContain('0010_secret_rotation');
      const verifiedAt = at(60_000);
      await db.query(
        `INSERT INTO verification_sessions (id, protocol, status, openid, masked_name, masked_id_card_number,
           id_number_hmac, attempts, max_attempts, created_at, expires_at, verified_at, ended_at, initiator, version)
         VALUES ('ses_before_apps', 'LEGACY', 'VERIFIED', 'o_before_apps', '张*', '1101**********002X', $1, 1, 3,
           $2, $3, $4, $4, 'user', 2)`,
        ['a3f1c0de'.repeat(8), at(0), at(600_000), verifiedAt],
      );
      await db.query(
        `INSERT INTO api_keys (id, name, prefix, secret_hash, scopes) VALUES ('key_before', 'old', 'fg_before', 'h', '["read"]')`,
      );
      await db.query(
        `INSERT INTO webhook_endpoints (id, url, events, secret_sealed, created_by, created_at, updated_at)
         VALUES ('we_before', 'https://hooks.example.com/x', '["verification.verified"]', $1, 'cli', $2, $2)`,
        [secrets.encrypt('whsec_before', 'webhook-endpoint-secret'), at(0)],
      );
      await db.query(
        `INSERT INTO event_outbox (event_type, session_id, payload) VALUES ('verification.updated', 'ses_before_apps',
           '{"type":"verification.updated","sessionId":"ses_before_apps","status":"VERIFIED","attempts":1,"occurredAt":"2030-01-01T00:01:00.000Z"}')`,
      );

      expect(await migrate(db, all)).toEqual(all.filter((m) => m.version >= '0011').map((m) => m.version));

      const repo = new SqlVerificationSessionRepository(db, sessionCipher);
      const session = await repo.findById('ses_before_apps');
      expect(session?.app).toBe('default');
      expect((await repo.findLatestVerified('o_before_apps', 'default'))?.id).toBe('ses_before_apps');
      expect(await repo.findLatestVerified('o_before_apps', 'retail')).toBeNull();
      expect((await repo.list({ app: 'default' }, 10, null)).items.map((s) => s.id)).toEqual([
        'ses_before_apps',
      ]);
      expect((await new SqlApiKeyStore(db).findActiveByPrefix('fg_before'))?.apps).toBeNull();
      expect((await new SqlWebhookEndpointRepository(db, secrets).find('we_before'))?.apps).toBeNull();
      const [event] = await db.query<{ payload: string }>(
        'SELECT payload::text AS payload FROM event_outbox',
      );
      expect(parseVerificationEvent(event!.payload)?.app).toBe('default');
      expect(await new SqlAppStore(db, secrets).list()).toEqual([]);

      // written after the upgrade: a redaction of the earlier session keeps its app and passes the CHECK
      const redacted = await repo.redactEndedBefore(at(120_000), 10, at(120_000));
      expect(redacted).toEqual([{ id: 'ses_before_apps', app: 'default', status: 'VERIFIED', attempts: 1 }]);
      // the column's default stays for writers that name no app; a new row of another app is its own
      const other = aSession({ app: 'retail', openid: 'o_before_apps', status: 'VERIFIED', binding: null });
      await repo.insert({ ...other, verifiedAt, endedAt: verifiedAt }, anEventFor(other, at(0)));
      expect((await repo.findLatestVerified('o_before_apps', 'retail'))?.id).toBe(other.id);
    });
  });
});
