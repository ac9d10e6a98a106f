import type { ConsentKind, ConsentReceipt, ConsentText } from '../privacy/consent.js';
import { consentTextDigestInput, DEFAULT_CONSENT_TEXTS } from '../privacy/consent.js';
import type { ConsentReceiptStore, ConsentTextRepository } from '../privacy/consent.ports.js';
import { sha256Hex } from './hash-functions.js';
import { TEST_START } from './object-mothers.js';

const copyText = (t: ConsentText): ConsentText => ({ ...t, publishedAt: new Date(t.publishedAt.getTime()) });
const copyReceipt = (r: ConsentReceipt): ConsentReceipt => ({
  ...r,
  acceptedAt: new Date(r.acceptedAt.getTime()),
  withdrawnAt: r.withdrawnAt ? new Date(r.withdrawnAt.getTime()) : null,
});

/** Consent texts in memory: immutable once published; the latest of each kind (an app's own first) current. */
export class InMemoryConsentTexts implements ConsentTextRepository {
  private readonly texts: ConsentText[] = [];

  /** Test helper: stores texts at once (as already published). */
  seed(...texts: ConsentText[]): this {
    this.texts.push(...texts.map(copyText));
    return this;
  }

  async publish(text: ConsentText): Promise<{ outcome: 'published' | 'exists'; stored: ConsentText }> {
    await Promise.resolve();
    const existing = this.texts.find((t) => t.version === text.version);
    if (existing) return { outcome: 'exists', stored: copyText(existing) };
    this.texts.push(copyText(text));
    return { outcome: 'published', stored: copyText(text) };
  }

  async current(kind: ConsentKind, app: string | null = null): Promise<ConsentText | null> {
    await Promise.resolve();
    const latestOf = (owner: string | null) =>
      this.texts.filter((t) => t.kind === kind && t.app === owner).at(-1);
    const latest = (app === null ? undefined : latestOf(app)) ?? latestOf(null);
    return latest ? copyText(latest) : null;
  }

  async find(version: string): Promise<ConsentText | null> {
    await Promise.resolve();
    const found = this.texts.find((t) => t.version === version);
    return found ? copyText(found) : null;
  }

  async list(): Promise<readonly ConsentText[]> {
    await Promise.resolve();
    return [...this.texts].reverse().map(copyText);
  }
}

export class InMemoryConsentReceipts implements ConsentReceiptStore {
  private readonly receipts = new Map<string, ConsentReceipt>();

  async record(receipt: ConsentReceipt): Promise<void> {
    await Promise.resolve();
    if (this.receipts.has(receipt.id)) throw new Error('duplicate consent receipt id');
    this.receipts.set(receipt.id, copyReceipt(receipt));
  }

  async findById(id: string): Promise<ConsentReceipt | null> {
    await Promise.resolve();
    const found = this.receipts.get(id);
    return found ? copyReceipt(found) : null;
  }

  async listBySession(sessionId: string): Promise<readonly ConsentReceipt[]> {
    await Promise.resolve();
    return [...this.receipts.values()].filter((r) => r.sessionId === sessionId).map(copyReceipt);
  }

  async listByOpenidHmac(openidHmac: string): Promise<readonly ConsentReceipt[]> {
    await Promise.resolve();
    return [...this.receipts.values()].filter((r) => r.openidHmac === openidHmac).map(copyReceipt);
  }

  async withdraw(id: string, at: Date): Promise<boolean> {
    await Promise.resolve();
    const found = this.receipts.get(id);
    if (!found) return false;
    if (found.withdrawnAt === null) this.receipts.set(id, { ...found, withdrawnAt: new Date(at.getTime()) });
    return true;
  }

  async deleteAcceptedBefore(cutoff: Date, limit: number): Promise<number> {
    await Promise.resolve();
    const old = [...this.receipts.values()]
      .filter((r) => r.acceptedAt.getTime() < cutoff.getTime())
      .slice(0, limit);
    for (const r of old) this.receipts.delete(r.id);
    return old.length;
  }

  /** Test helper: every stored receipt. */
  all(): ConsentReceipt[] {
    return [...this.receipts.values()].map(copyReceipt);
  }
}

/** A published text as PublishConsentText would store it (real SHA-256), for seeding fakes. */
export function aConsentText(overrides: Partial<Omit<ConsentText, 'sha256'>> = {}): ConsentText {
  const base = DEFAULT_CONSENT_TEXTS[0]!;
  const fields = {
    version: overrides.version ?? base.version,
    kind: overrides.kind ?? base.kind ?? 'STANDARD',
    purpose: overrides.purpose ?? base.purpose,
    textZh: overrides.textZh ?? base.textZh,
    textEn: overrides.textEn === undefined ? (base.textEn ?? null) : overrides.textEn,
  };
  return {
    ...fields,
    sha256: sha256Hex(consentTextDigestInput(fields)),
    publishedAt: overrides.publishedAt ?? new Date(TEST_START),
    app: overrides.app ?? null,
  };
}

/** The version a test user accepts by default (the standard text the fakes start with). */
export const TEST_CONSENT_VERSION = DEFAULT_CONSENT_TEXTS[0]!.version;
export const TEST_GUARDIAN_CONSENT_VERSION = DEFAULT_CONSENT_TEXTS[1]!.version;

/** Texts seeded with FaceGate's default standard and guardian texts, as a new deployment has them. */
export function seededConsentTexts(): InMemoryConsentTexts {
  return new InMemoryConsentTexts().seed(
    ...DEFAULT_CONSENT_TEXTS.map((input) =>
      aConsentText({ ...input, kind: input.kind ?? 'STANDARD', textEn: input.textEn ?? null }),
    ),
  );
}
