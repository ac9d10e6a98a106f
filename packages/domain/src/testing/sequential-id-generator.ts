import type { IdGenerator } from '../ports/id-generator.port.js';

/** Predictable ids: ses_000001, ses_000002...; out_seq_no seq000001... (valid out_seq_no syntax). */
export class SequentialIdGenerator implements IdGenerator {
  private sessions = 0;
  private seqs = 0;
  private receipts = 0;

  constructor(private readonly prefix = '') {}

  sessionId(): string {
    this.sessions += 1;
    return `${this.prefix}ses_${String(this.sessions).padStart(6, '0')}`;
  }

  outSeqNo(): string {
    this.seqs += 1;
    return `${this.prefix}seq${String(this.seqs).padStart(6, '0')}`;
  }

  receiptId(): string {
    this.receipts += 1;
    return `${this.prefix}rcp_${String(this.receipts).padStart(6, '0')}`;
  }
}
