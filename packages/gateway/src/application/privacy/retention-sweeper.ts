import type { Clock, ConsentReceiptStore, RedactExpiredSessions } from '@facegate/domain';
import type { Logger } from '../../infrastructure/observability/logger';

/** Batches per run: a run redacts at most this many batches, the next run goes on. */
const MAX_BATCHES_PER_RUN = 50;
const RECEIPT_BATCH = 1_000;

/**
 * Retention (FACEGATE_RETENTION_DAYS): redacts sessions that ended longer ago, in bounded batches, and deletes
 * consent receipts older than FACEGATE_CONSENT_RETENTION_DAYS. Each session is its own short statement, so
 * confirmations are never held behind a sweep; a stopped run resumes where it left off (what is redacted stays).
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<{ redacted: number; receiptsDeleted: number }> | null = null;

  constructor(
    private readonly redactExpired: RedactExpiredSessions,
    private readonly receipts: ConsentReceiptStore,
    private readonly clock: Clock,
    private readonly settings: { readonly intervalMs: number; readonly consentRetentionDays: number },
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.runOnce(), this.settings.intervalMs);
    this.timer.unref();
  }

  /** One run; concurrent calls share it. */
  runOnce(): Promise<{ redacted: number; receiptsDeleted: number }> {
    this.running ??= (async () => {
      let redacted = 0;
      let receiptsDeleted = 0;
      try {
        for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
          const done = await this.redactExpired.execute();
          redacted += done.redacted;
          if (!done.more) break;
        }
        const cutoff = new Date(this.clock.now().getTime() - this.settings.consentRetentionDays * 86_400_000);
        for (;;) {
          const deleted = await this.receipts.deleteAcceptedBefore(cutoff, RECEIPT_BATCH);
          receiptsDeleted += deleted;
          if (deleted < RECEIPT_BATCH) break;
        }
        if (redacted > 0 || receiptsDeleted > 0) {
          this.logger.info(
            { redacted, receiptsDeleted },
            'retention: redacted ended sessions past the retention period',
          );
        }
      } catch (error) {
        this.logger.warn({ err: error }, 'retention sweep failed; will retry');
      } finally {
        this.running = null;
      }
      return { redacted, receiptsDeleted };
    })();
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
