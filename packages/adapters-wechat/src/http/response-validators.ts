/**
 * Narrow, hand-written validators for WeChat's answers. Each endpoint has a handful of fields; a schema library
 * would add a dependency for less code than it saves. Every failure is an UpstreamProtocolError naming the
 * endpoint and field, never the value (values may be secrets or personal data).
 */
import { type LegacyVerifyInfo, UpstreamProtocolError } from '@facegate/domain';

export type JsonObject = Readonly<Record<string, unknown>>;

export function parseJsonObject(endpoint: string, text: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UpstreamProtocolError(`${endpoint} answered a body that is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UpstreamProtocolError(`${endpoint} answered JSON that is not an object`);
  }
  return parsed as JsonObject;
}

/** Reads fields of one answer, failing with a typed error that names the endpoint and the field. */
export class FieldReader {
  constructor(
    private readonly endpoint: string,
    private readonly body: JsonObject,
  ) {}

  private fail(field: string, expected: string): never {
    throw new UpstreamProtocolError(`${this.endpoint} answered ${field} missing or not ${expected}`);
  }

  /**
   * The call's own status. Absent means 0 only where WeChat omits it on success (token, jscode2session);
   * the face endpoints always send it.
   */
  errcode(requiredField: boolean): number {
    const value = this.body.errcode;
    if (value === undefined && !requiredField) return 0;
    if (!Number.isInteger(value)) this.fail('errcode', 'an integer');
    return value as number;
  }

  int(field: string): number {
    const value = this.body[field];
    if (!Number.isInteger(value)) this.fail(field, 'an integer');
    return value as number;
  }

  positiveInt(field: string): number {
    const value = this.int(field);
    if (value <= 0) this.fail(field, 'a positive integer');
    return value;
  }

  optionalInt(field: string): number | null {
    const value = this.body[field];
    if (value === undefined || value === null) return null;
    if (!Number.isInteger(value)) this.fail(field, 'an integer');
    return value as number;
  }

  nonEmptyString(field: string, maxLength = 4096): string {
    const value = this.body[field];
    if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
      this.fail(field, 'a non-empty string');
    }
    return value as string;
  }

  /** Absent, null and '' are all "not given" (WeChat sends '' for e.g. validate_data in flash mode). */
  optionalString(field: string): string | null {
    const value = this.body[field];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') this.fail(field, 'a string');
    return value === '' ? null : (value as string);
  }
}

// ---- per-endpoint shapes (camelCase; WeChat's snake_case stays in this file) ----

/** errcode 0 with the validated value, or WeChat's non-zero errcode (data: the caller decides what it means). */
export type Answer<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly errcode: number };

export interface TokenValue {
  readonly accessToken: string;
  readonly expiresInSeconds: number;
}

export function readToken(endpoint: string, body: JsonObject): Answer<TokenValue> {
  const r = new FieldReader(endpoint, body);
  const errcode = r.errcode(false);
  if (errcode !== 0) return { ok: false, errcode };
  // WeChat asks for storage of at least 512 characters; anything far beyond that is not a token.
  return {
    ok: true,
    value: {
      accessToken: r.nonEmptyString('access_token', 2048),
      expiresInSeconds: r.positiveInt('expires_in'),
    },
  };
}

export interface SessionValue {
  readonly openid: string;
  readonly unionid: string | null;
}

export function readSession(endpoint: string, body: JsonObject): Answer<SessionValue> {
  const r = new FieldReader(endpoint, body);
  const errcode = r.errcode(false);
  if (errcode !== 0) return { ok: false, errcode };
  const openid = r.nonEmptyString('openid', 128);
  // Checked so a malformed answer is caught, then dropped: session_key never leaves this function.
  r.nonEmptyString('session_key', 512);
  return { ok: true, value: { openid, unionid: r.optionalString('unionid') } };
}

export interface UserIdKeyValue {
  readonly userIdKey: string;
  readonly expiresInSeconds: number;
}

export function readUserIdKey(endpoint: string, body: JsonObject): Answer<UserIdKeyValue> {
  const r = new FieldReader(endpoint, body);
  const errcode = r.errcode(true);
  if (errcode !== 0) return { ok: false, errcode };
  return {
    ok: true,
    value: { userIdKey: r.nonEmptyString('user_id_key'), expiresInSeconds: r.positiveInt('expires_in') },
  };
}

export interface VerifyIdValue {
  readonly verifyId: string;
  readonly expiresInSeconds: number;
}

export function readVerifyId(endpoint: string, body: JsonObject): Answer<VerifyIdValue> {
  const r = new FieldReader(endpoint, body);
  const errcode = r.errcode(true);
  if (errcode !== 0) return { ok: false, errcode };
  return {
    ok: true,
    // WeChat documents verify_id as up to 256 characters; allow some slack, reject nonsense.
    value: { verifyId: r.nonEmptyString('verify_id', 1024), expiresInSeconds: r.positiveInt('expires_in') },
  };
}

/** getinfo's answer as the domain reads it, once WeChat reported a verdict (identify_ret) with errcode 0. */
export type LegacyInfoValue = Omit<LegacyVerifyInfo, 'errcode' | 'identifyRet'> & {
  readonly identifyRet: number;
};

export function readLegacyInfo(endpoint: string, body: JsonObject): Answer<LegacyInfoValue> {
  const r = new FieldReader(endpoint, body);
  const errcode = r.errcode(true);
  if (errcode !== 0) return { ok: false, errcode };
  // identify_ret is the verdict: without it the answer means nothing. The rest may be absent (the rules
  // then fail the attempt as RESULT_INCOMPLETE), but a present field of the wrong type is a protocol fault.
  return {
    ok: true,
    value: {
      identifyRet: r.int('identify_ret'),
      identifyTime: r.optionalInt('identify_time'),
      finishTime: r.optionalInt('finish_time'),
      validateData: r.optionalString('validate_data'),
      openid: r.optionalString('openid'),
      userIdKey: r.optionalString('user_id_key'),
      idCardNumberMd5: r.optionalString('id_card_number_md5'),
      nameUtf8Md5: r.optionalString('name_utf8_md5'),
      checkAliveType: r.optionalInt('check_alive_type'),
    },
  };
}

export function readVerifyRet(endpoint: string, body: JsonObject): Answer<number> {
  const r = new FieldReader(endpoint, body);
  const errcode = r.errcode(true);
  if (errcode !== 0) return { ok: false, errcode };
  return { ok: true, value: r.int('verify_ret') };
}
