import type { EventPublisher, VerificationEvent, VerificationSessionRepository } from '@facegate/domain';
import type { Logger } from '../../infrastructure/observability/logger';
import type { GatewayMetrics } from '../../infrastructure/observability/metrics';

/**
 * Counts each change by status and failure code, and logs it. The event itself is already durable: the
 * repository stored it in the outbox with the write. The failure code is read back from the session because
 * the event carries none.
 */
export class MeteredEventPublisher implements EventPublisher {
  constructor(
    private readonly repository: VerificationSessionRepository,
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger,
  ) {}

  async publish(event: VerificationEvent): Promise<void> {
    try {
      // Only a failed attempt has a failure code; reading the session back for every start and every
      // success would cost the hot path a database round trip for a label that is always 'none'.
      const failedAttempt = event.status === 'FAILED' || (event.status === 'PENDING' && event.attempts > 0);
      const session = failedAttempt ? await this.repository.findById(event.sessionId) : null;
      const failure =
        session?.lastError && session.attempts === event.attempts ? session.lastError.code : 'none';
      this.metrics.verificationOutcomes.inc({ app: event.app, status: event.status, failure_code: failure });
      this.logger.info(
        {
          sessionId: event.sessionId,
          app: event.app,
          status: event.status,
          attempts: event.attempts,
          failureCode: failure,
        },
        'verification updated',
      );
    } catch (error) {
      // metrics must never fail a verification that is already durable
      this.logger.warn({ err: error, sessionId: event.sessionId }, 'could not record verification metrics');
    }
  }
}
