import type { ConsentKind, ConsentReceipt, ConsentText } from './consent.js';

/**
 * Published consent texts. Never updated nor deleted: a receipt must always find the text it names. A text is
 * the deployment's (app null) or one app's; versions are unique across all of them.
 */
export interface ConsentTextRepository {
  /**
   * Stores the text unless its version exists (for any app): 'published', or 'exists' with the stored text
   * (the caller compares hashes and apps: the same text again is an idempotent repeat, anything else a conflict).
   */
  publish(
    text: ConsentText,
  ): Promise<{ readonly outcome: 'published' | 'exists'; readonly stored: ConsentText }>;
  /**
   * The text of `kind` a user of `app` is shown: the app's most recently published one if it has any, else
   * the deployment's most recent; null when neither exists. Without an app (or null): the deployment's.
   */
  current(kind: ConsentKind, app?: string | null): Promise<ConsentText | null>;
  /** By version, whichever app it belongs to. */
  find(version: string): Promise<ConsentText | null>;
  /** Every text of every app and the deployment's, newest first. */
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
