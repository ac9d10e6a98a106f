export interface IdGenerator {
  /** A new, unguessable verification session id. */
  sessionId(): string;
  /** A new v2 out_seq_no: 5-32 chars of [0-9A-Za-z_-], unique per appid. */
  outSeqNo(): string;
  /** A new consent receipt id. */
  receiptId(): string;
}
