import type {
  AuditLog,
  AuditTrail,
  CheckpointPolicy,
  CheckpointSigner,
  Clock,
  NewAuditEvent,
} from '@facegate/domain';
import type { Logger } from '../../infrastructure/observability/logger';

export interface BufferedAuditTrailOptions {
  /** Recorded events wait at most this long in memory. */
  readonly flushMs: number;
  /** A checkpoint signs the head this often (when anything is new). */
  readonly checkpointEveryMs: number;
  /** Whole segments older than this are removed. */
  readonly retentionMs: number;
  /** A batch this large is appended at once rather than at the next tick (default 500). */
  readonly maxBatch?: number;
  /** How often the retention runs (default every 6 hours, and once at start). */
  readonly retentionEveryMs?: number;
}

const MINUTE = 60_000;
/** Events kept while the database cannot take them; past this the oldest are dropped, loudly. */
const MAX_PENDING = 100_000;

/**
 * The gateway's AuditTrail: `record` pushes to memory (no I/O on the request's path) and a timer appends the
 * batch (SqlAuditLog: one writer per batch under an advisory lock), flushing on shutdown. Refused API keys
 * are counted per client address and minute and written as one auth.refused row each once the minute is
 * over. Each append also signs the head when a checkpoint is due.
 */
export class BufferedAuditTrail implements AuditTrail {
  private pending: NewAuditEvent[] = [];
  /** Refused attempts by address-minute: `${minute}|${addressHmac}` -> count. */
  private refusals = new Map<string, { minute: number; addressHmac: string; count: number }>();
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<void> = Promise.resolve();
  private closed = false;
  /** When this instance last asked for a checkpoint (the database decides whether one is due). */
  private checkpointAskedAt = Number.NEGATIVE_INFINITY;
  private readonly maxBatch: number;

  constructor(
    private readonly log: AuditLog,
    private readonly signer: CheckpointSigner,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: BufferedAuditTrailOptions,
  ) {
    this.maxBatch = options.maxBatch ?? 500;
  }

  /** Starts the flush, checkpoint and retention timers (unref'd: they never keep a process alive). */
  start(): void {
    const every = (ms: number, run: () => Promise<unknown>) => {
      const timer = setInterval(() => void run(), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.options.flushMs, () => this.flush());
    every(Math.min(this.options.checkpointEveryMs, 60_000), () => this.flush());
    every(this.options.retentionEveryMs ?? 6 * 3600_000, () => this.runRetention());
    void this.runRetention();
  }

  record(event: NewAuditEvent): void {
    if (this.closed) {
      this.logger.warn({ action: event.action }, 'audit event recorded after shutdown; not stored');
      return;
    }
    this.pending.push(event);
    if (this.pending.length === this.maxBatch) queueMicrotask(() => void this.flush());
  }

  /** A request with a revoked or unknown API key, from the address with this HMAC. */
  recordRefusedKey(addressHmac: string): void {
    const minute = Math.floor(this.clock.now().getTime() / MINUTE);
    const key = `${minute}|${addressHmac}`;
    const counted = this.refusals.get(key);
    if (counted === undefined) this.refusals.set(key, { minute, addressHmac, count: 1 });
    else counted.count++;
  }

  /** Appends what is pending (and the refusal counts of finished minutes); one append at a time. */
  flush(): Promise<void> {
    this.running = this.running.then(() => this.appendPending(false));
    return this.running;
  }

  /** Stops the timers and appends everything, the current minute's refusals included. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.running = this.running.then(() => this.appendPending(true));
    await this.running;
  }

  private async appendPending(everyMinute: boolean): Promise<void> {
    const now = this.clock.now();
    const currentMinute = Math.floor(now.getTime() / MINUTE);
    const refusals = [...this.refusals.entries()].filter(([, r]) => everyMinute || r.minute < currentMinute);
    const batch = [
      ...this.pending,
      ...refusals.map(([, r]): NewAuditEvent => refusedKeyEvent(r.minute, r.addressHmac, r.count)),
    ];
    this.pending = [];
    for (const [key] of refusals) this.refusals.delete(key);
    const askCheckpoint = now.getTime() - this.checkpointAskedAt >= this.options.checkpointEveryMs;
    // idle and no checkpoint to ask for: no statement at all
    if (batch.length === 0 && !askCheckpoint) return;
    const policy: CheckpointPolicy = { signer: this.signer, everyMs: this.options.checkpointEveryMs, now };
    try {
      const written = await this.log.append(batch, askCheckpoint ? policy : undefined);
      if (askCheckpoint) {
        // asked with nothing new and nothing signed (an empty trail, a head already signed): ask again in a
        // minute rather than a whole interval, so the first rows are not left unsigned for long
        const answered = batch.length > 0 || written.length > 0;
        this.checkpointAskedAt = answered
          ? now.getTime()
          : now.getTime() - this.options.checkpointEveryMs + Math.min(this.options.checkpointEveryMs, MINUTE);
      }
    } catch (error) {
      // kept for the next tick: an audit event is never dropped while memory allows
      this.pending = [...batch, ...this.pending];
      if (this.pending.length > MAX_PENDING) {
        const dropped = this.pending.length - MAX_PENDING;
        this.pending = this.pending.slice(dropped);
        this.logger.error({ dropped }, 'audit events dropped: the database has not taken them for too long');
      }
      this.logger.warn(
        { err: error, pending: this.pending.length },
        'could not append audit events; will retry',
      );
      if (everyMinute) throw error;
    }
  }

  private async runRetention(): Promise<void> {
    const now = this.clock.now();
    try {
      const removed = await this.log.removeSegmentsBefore(
        new Date(now.getTime() - this.options.retentionMs),
        now,
      );
      if (removed.removedRows > 0) this.logger.info(removed, 'audit trail retention removed old segments');
    } catch (error) {
      this.logger.warn({ err: error }, 'audit trail retention failed; will retry');
    }
  }
}

/** One row per client address and minute: how many requests came with a revoked or unknown API key. */
function refusedKeyEvent(minute: number, addressHmac: string, count: number): NewAuditEvent {
  return {
    occurredAt: new Date(minute * MINUTE),
    actor: { kind: 'system' },
    action: 'auth.refused',
    targets: [],
    requestId: null,
    clientAddressHmac: addressHmac,
    outcome: 'refused',
    details: { credential: 'api-key', attempts: count, minute: new Date(minute * MINUTE).toISOString() },
  };
}
