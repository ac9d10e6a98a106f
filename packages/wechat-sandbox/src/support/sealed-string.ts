import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const TIME_BYTES = 6;
const MAC_BYTES = 9;

/**
 * Opaque strings (tokens, codes, verifyResults, verify_ids) that carry a time under this sandbox's own MAC.
 * After a forgotten entry has been swept, the time still tells "expired" (42001, 84002) from "never issued
 * here" (40014, 84001), which is what WeChat answers, without keeping every string ever issued.
 */
export class SealedStrings {
  private readonly key = randomBytes(32);

  /** randomLength: a multiple of 3 keeps the base64url free of padding artefacts. */
  mint(timeMs: number, randomLength: number): string {
    const body = Buffer.alloc(randomLength + TIME_BYTES);
    randomBytes(randomLength).copy(body);
    body.writeUIntBE(Math.max(0, Math.floor(timeMs)), randomLength, TIME_BYTES);
    return Buffer.concat([body, this.mac(body)]).toString('base64url');
  }

  /** The time sealed into a string minted here, else null. */
  timeOf(text: string): number | null {
    if (text.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(text)) return null;
    const bytes = Buffer.from(text, 'base64url');
    if (bytes.length <= TIME_BYTES + MAC_BYTES || bytes.toString('base64url') !== text) return null;
    const body = bytes.subarray(0, bytes.length - MAC_BYTES);
    if (!timingSafeEqual(this.mac(body), bytes.subarray(bytes.length - MAC_BYTES))) return null;
    return body.readUIntBE(body.length - TIME_BYTES, TIME_BYTES);
  }

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, MAC_BYTES);
  }
}
