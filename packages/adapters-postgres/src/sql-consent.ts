import type {
  ConsentKind,
  ConsentReceipt,
  ConsentReceiptStore,
  ConsentText,
  ConsentTextRepository,
} from '@facegate/domain';
import type { Database } from './database/database';

interface TextRow {
  version: string;
  kind: ConsentKind;
  purpose: string;
  text_zh: string;
  text_en: string | null;
  sha256: string;
  published_at: Date | string;
  app: string | null;
}

interface ReceiptRow {
  id: string;
  session_id: string;
  openid_hmac: string;
  version: string;
  text_sha256: string;
  purpose: string;
  guardian: boolean;
  accepted_at: Date | string;
  client_address_hmac: string | null;
  withdrawn_at: Date | string | null;
}

const TEXT_COLUMNS = 'version, kind, purpose, text_zh, text_en, sha256, published_at, app';
const RECEIPT_COLUMNS = `id, session_id, openid_hmac, version, text_sha256, purpose, guardian, accepted_at,
  client_address_hmac, withdrawn_at`;

const toDate = (value: Date | string) => (value instanceof Date ? value : new Date(value));

const toText = (r: TextRow): ConsentText => ({
  version: r.version,
  kind: r.kind,
  purpose: r.purpose,
  textZh: r.text_zh,
  textEn: r.text_en,
  sha256: r.sha256,
  publishedAt: toDate(r.published_at),
  app: r.app,
});

const toReceipt = (r: ReceiptRow): ConsentReceipt => ({
  id: r.id,
  sessionId: r.session_id,
  openidHmac: r.openid_hmac,
  version: r.version,
  textSha256: r.text_sha256,
  purpose: r.purpose,
  guardian: r.guardian,
  acceptedAt: toDate(r.accepted_at),
  clientAddressHmac: r.client_address_hmac,
  withdrawnAt: r.withdrawn_at === null ? null : toDate(r.withdrawn_at),
});

/**
 * Published texts, the deployment's (app NULL) and each app's (migration 0012); a trigger (migration 0007)
 * refuses any UPDATE or DELETE of one.
 */
export class SqlConsentTexts implements ConsentTextRepository {
  constructor(private readonly db: Database) {}

  async publish(text: ConsentText): Promise<{ outcome: 'published' | 'exists'; stored: ConsentText }> {
    const inserted = await this.db.query<TextRow>(
      `INSERT INTO consent_texts (${TEXT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (version) DO NOTHING RETURNING ${TEXT_COLUMNS}`,
      [
        text.version,
        text.kind,
        text.purpose,
        text.textZh,
        text.textEn,
        text.sha256,
        text.publishedAt,
        text.app,
      ],
    );
    if (inserted[0]) return { outcome: 'published', stored: toText(inserted[0]) };
    const stored = await this.find(text.version);
    if (!stored) throw new Error('consent text vanished after a conflicting insert');
    return { outcome: 'exists', stored };
  }

  async current(kind: ConsentKind, app: string | null = null): Promise<ConsentText | null> {
    // the app's own latest first (app IS NULL sorts after false), else the deployment's latest
    const rows = await this.db.query<TextRow>(
      app === null
        ? `SELECT ${TEXT_COLUMNS} FROM consent_texts WHERE kind = $1 AND app IS NULL ORDER BY seq DESC LIMIT 1`
        : `SELECT ${TEXT_COLUMNS} FROM consent_texts WHERE kind = $1 AND (app = $2 OR app IS NULL)
           ORDER BY app IS NULL, seq DESC LIMIT 1`,
      app === null ? [kind] : [kind, app],
    );
    return rows[0] ? toText(rows[0]) : null;
  }

  async find(version: string): Promise<ConsentText | null> {
    const rows = await this.db.query<TextRow>(
      `SELECT ${TEXT_COLUMNS} FROM consent_texts WHERE version = $1`,
      [version],
    );
    return rows[0] ? toText(rows[0]) : null;
  }

  async list(): Promise<readonly ConsentText[]> {
    const rows = await this.db.query<TextRow>(`SELECT ${TEXT_COLUMNS} FROM consent_texts ORDER BY seq DESC`);
    return rows.map(toText);
  }
}

export class SqlConsentReceipts implements ConsentReceiptStore {
  constructor(private readonly db: Database) {}

  async record(r: ConsentReceipt): Promise<void> {
    await this.db.query(
      `INSERT INTO consent_receipts (${RECEIPT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        r.id,
        r.sessionId,
        r.openidHmac,
        r.version,
        r.textSha256,
        r.purpose,
        r.guardian,
        r.acceptedAt,
        r.clientAddressHmac,
        r.withdrawnAt,
      ],
    );
  }

  async findById(id: string): Promise<ConsentReceipt | null> {
    const rows = await this.db.query<ReceiptRow>(
      `SELECT ${RECEIPT_COLUMNS} FROM consent_receipts WHERE id = $1`,
      [id],
    );
    return rows[0] ? toReceipt(rows[0]) : null;
  }

  async listBySession(sessionId: string): Promise<readonly ConsentReceipt[]> {
    const rows = await this.db.query<ReceiptRow>(
      `SELECT ${RECEIPT_COLUMNS} FROM consent_receipts WHERE session_id = $1 ORDER BY accepted_at, id`,
      [sessionId],
    );
    return rows.map(toReceipt);
  }

  async listByOpenidHmac(openidHmac: string): Promise<readonly ConsentReceipt[]> {
    const rows = await this.db.query<ReceiptRow>(
      `SELECT ${RECEIPT_COLUMNS} FROM consent_receipts WHERE openid_hmac = $1 ORDER BY accepted_at, id`,
      [openidHmac],
    );
    return rows.map(toReceipt);
  }

  async withdraw(id: string, at: Date): Promise<boolean> {
    const rows = await this.db.query<{ id: string }>(
      `UPDATE consent_receipts SET withdrawn_at = COALESCE(withdrawn_at, $2) WHERE id = $1 RETURNING id`,
      [id, at],
    );
    return rows.length === 1;
  }

  async deleteAcceptedBefore(cutoff: Date, limit: number): Promise<number> {
    const rows = await this.db.query<{ id: string }>(
      `DELETE FROM consent_receipts WHERE id IN (
         SELECT id FROM consent_receipts WHERE accepted_at < $1 ORDER BY accepted_at LIMIT $2
       ) RETURNING id`,
      [cutoff, Math.max(0, Math.min(limit, 10_000))],
    );
    return rows.length;
  }
}
