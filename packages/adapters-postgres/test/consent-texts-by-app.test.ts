import { aConsentText } from '@facegate/domain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, loadMigrations, migrate, SqlConsentTexts } from '../src/index';
import { allHarnesses } from './support/drivers';

// Migration 0012 on a database that already holds texts (and a receipt naming one): they read as the
// deployment's, and published texts still never change.
const harnesses = await allHarnesses({ disk: false });

for (const harness of harnesses) {
  describe(`consent texts by app: upgrading a ${harness.name} database from migration 0011`, () => {
    let db: Database;
    beforeAll(async () => {
      db = await harness.open();
    });
    afterAll(async () => {
      await db?.close();
      await harness.destroy();
    });

    it("keeps every earlier text as the deployment's, immutable; an app's own text is current for it only", async () => {
      const all = await loadMigrations();
      expect(
        await migrate(
          db,
          all.filter((m) => m.version < '0012'),
        ),
      ).toContain('0011_apps');
      const before = aConsentText({ version: 'before-apps', textZh: '旧的同意书' });
      await db.query(
        `INSERT INTO consent_texts (version, kind, purpose, text_zh, text_en, sha256, published_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          before.version,
          before.kind,
          before.purpose,
          before.textZh,
          before.textEn,
          before.sha256,
          before.publishedAt,
        ],
      );
      await db.query(
        `INSERT INTO consent_receipts (id, session_id, openid_hmac, version, text_sha256, purpose, guardian, accepted_at)
         VALUES ('rcp_before', 'ses_before', $1, 'before-apps', $2, $3, false, $4)`,
        ['f'.repeat(64), before.sha256, before.purpose, before.publishedAt],
      );

      expect(await migrate(db, all)).toEqual(all.filter((m) => m.version >= '0012').map((m) => m.version));

      const texts = new SqlConsentTexts(db);
      expect(await texts.find('before-apps')).toEqual({ ...before, app: null });
      expect(await texts.current('STANDARD', 'card')).toEqual({ ...before, app: null });
      const card = aConsentText({
        version: 'card-1',
        textZh: '卡片',
        app: 'card',
        publishedAt: new Date(2e12),
      });
      expect((await texts.publish(card)).outcome).toBe('published');
      expect(await texts.current('STANDARD', 'card')).toEqual(card);
      expect((await texts.current('STANDARD'))?.version).toBe('before-apps');

      // the trigger of 0007 still refuses any change, the new column's included
      for (const sql of [
        "UPDATE consent_texts SET app = 'card' WHERE version = 'before-apps'",
        "UPDATE consent_texts SET app = NULL WHERE version = 'card-1'",
        "DELETE FROM consent_texts WHERE version = 'card-1'",
      ]) {
        await expect(db.query(sql)).rejects.toThrow(/never change/);
      }
      // an app is a slug, as everywhere else
      await expect(
        db.query(
          `INSERT INTO consent_texts (version, kind, purpose, text_zh, sha256, published_at, app)
           VALUES ('bad-app', 'STANDARD', 'p', 't', 'x', now(), 'Not A Slug')`,
        ),
      ).rejects.toThrow();
      expect((await texts.list()).map((t) => [t.version, t.app])).toEqual([
        ['card-1', 'card'],
        ['before-apps', null],
      ]);
    });
  });
}
