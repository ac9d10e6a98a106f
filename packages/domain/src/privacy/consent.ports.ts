import type { ConsentKind, ConsentReceipt, ConsentText } from './consent.js';

/** Published consent texts. Never updated nor deleted: a receipt must always find the text it names. */
export interface ConsentTextRepository {
  /**
   * Stores the text unless its version exists: 'published', or 'exists' with the stored text (the caller
   * compares hashes: the same content is an idempotent repeat, other content a conflict).
   */
  publish(
    text: ConsentText,
  ): Promise<{ readonly outcome: 'published' | 'exists'; readonly stored: ConsentText }>;
  /** The most recently published text of `kind`, or null. */
  current(kind: ConsentKind): Promise<ConsentText | null>;
  find(version: string): Promise<ConsentText | null>;
  /** Newest first. */
  list(): Promise<readonly ConsentText[]>;
}

/** Consent receipts: kept after the session is redacted, for as long as the law needs the proof. */
export interface ConsentReceiptStore {
  record(receipt: ConsentReceipt): Promise<void>;
  findById(id: string): Promise<ConsentReceipt | null>;
  listBySession(sessionId: string): Promise<readonly ConsentReceipt[]>;
  listByOpenidHmac(openidHmac: string): Promise<readonly ConsentReceipt[]>;
  /** Marks the receipt withdrawn (first withdrawal wins); false when unknown. */
  withdraw(id: string, at: Date): Promise<boolean>;
  /** Deletes up to `limit` receipts accepted before `cutoff`; how many it deleted. */
  deleteAcceptedBefore(cutoff: Date, limit: number): Promise<number>;
}
