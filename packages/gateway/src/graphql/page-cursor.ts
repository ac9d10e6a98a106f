import { isEntityId, type PageCursor } from '@facegate/domain';
import { badUserInput } from './errors';

/*
 * The one cursor codec of every connection (verifications, consoleSessions, webhookDeliveries): keyset
 * pages on (createdAt, id), sent as base64url JSON. A cursor is client input that reaches SQL, so decoding
 * accepts exactly what encodeCursor writes and nothing else: a crafted one is BAD_USER_INPUT here, never a
 * PostgreSQL error (a NUL in the id, a year PostgreSQL cannot store) further down.
 */

export function encodeCursor(row: { readonly createdAt: Date; readonly id: string }): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url');
}

const MAX_CURSOR_LENGTH = 512;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Ids FaceGate makes (vs_..., msg_..., uuids) are printable ASCII without spaces. */
const PRINTABLE = /^[\x21-\x7e]+$/;
/** Rows FaceGate wrote: a wider range is no row's, and PostgreSQL refuses some of it. */
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(9999, 11, 31);

/** The (createdAt, id) a cursor from encodeCursor names; BAD_USER_INPUT on `field` for anything else. */
export function decodeCursor(cursor: string, field = 'after'): PageCursor {
  const decoded = parse(cursor);
  if (decoded === null) {
    throw badUserInput(field, 'CURSOR_INVALID', `${field} must be an endCursor from a previous page`);
  }
  return decoded;
}

function parse(cursor: string): PageCursor | null {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [createdAt, id] = value as unknown[];
  if (typeof createdAt !== 'string' || typeof id !== 'string' || !isEntityId(id) || !PRINTABLE.test(id))
    return null;
  const date = new Date(createdAt);
  const time = date.getTime();
  if (Number.isNaN(time) || time < EARLIEST || time > LATEST) return null;
  // exactly what encodeCursor writes: one spelling per position
  if (encodeCursor({ createdAt: date, id }) !== cursor) return null;
  return { createdAt: date, id };
}
