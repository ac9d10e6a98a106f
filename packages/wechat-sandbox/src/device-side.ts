import { randomInt } from 'node:crypto';
import { idCardNumberMd5, nameUtf8Md5 } from './identity/identity-digests';
import { parseResidentIdNumber } from './identity/resident-id';
import type {
  LegacyCheckInput,
  LegacyCheckResult,
  SandboxDevice,
  SandboxScenario,
  V2CheckInput,
  V2CheckResult,
} from './sandbox.types';
import { CLIENT_SIDE_CODES_FROM, isSandboxScenario, SCENARIO_CODES, scenarioOfName } from './scenarios';
import type { WeChatBackend } from './wechat-backend';
import { OPENID_PATTERN, SandboxInputError } from './wechat-errors';

const LEGACY_API = 'startFacialRecognitionVerify';
const V2_API = 'requestFacialVerify';
/** Client-side codes for requests the WeChat client refuses before any check runs. */
const BAD_PARAMETER = 10001;
const INVALID_IDENTIFY_ID = 10017;
const INVALID_USER_ID_KEY = 10041;

function requireOpenid(openid: unknown): string {
  if (typeof openid !== 'string' || !OPENID_PATTERN.test(openid)) {
    throw new SandboxInputError('openid must be 1-128 characters of 0-9 A-Z a-z _ -');
  }
  return openid;
}

function optionalScenario(scenario: unknown): SandboxScenario | undefined {
  if (scenario === undefined || scenario === null) return undefined;
  if (!isSandboxScenario(scenario)) throw new SandboxInputError(`unknown scenario: ${String(scenario)}`);
  return scenario;
}

const nonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

/** What the WeChat client does on the user's phone, against the sandbox's WeChat backend. */
export class DeviceSide implements SandboxDevice {
  constructor(
    private readonly backend: WeChatBackend,
    private readonly mainAppId: string,
  ) {}

  login(openid: string, appId?: string): string {
    return this.backend.issueLoginCode(this.requireApp(appId), requireOpenid(openid));
  }

  runLegacyCheck(input: LegacyCheckInput): LegacyCheckResult {
    if (typeof input !== 'object' || input === null)
      throw new SandboxInputError('a check input object is required');
    const openid = requireOpenid(input.openid);
    const appId = this.requireApp(input.appId);
    const forced = optionalScenario(input.scenario);
    if (typeof input.checkAliveType !== 'number')
      throw new SandboxInputError('checkAliveType must be a number');
    const fail = (errCode: number, why: string): LegacyCheckResult => ({
      errCode,
      errMsg: `${LEGACY_API}:fail ${why}`,
      verifyResult: null,
    });
    if (![0, 1, 2].includes(input.checkAliveType)) return fail(BAD_PARAMETER, 'invalid checkAliveType');

    let name: string;
    let idCardNumber: string;
    let userIdKey: string | null = null;
    if (nonEmptyString(input.userIdKey)) {
      const identity = this.backend.userIdKey(appId, input.userIdKey);
      if (!identity) return fail(INVALID_USER_ID_KEY, 'invalid userIdKey');
      ({ name, idCardNumber } = identity);
      userIdKey = input.userIdKey;
    } else {
      if (!nonEmptyString(input.name) || !nonEmptyString(input.idCardNumber)) {
        return fail(BAD_PARAMETER, 'name and idCardNumber, or userIdKey, are required');
      }
      const normalized = parseResidentIdNumber(input.idCardNumber, new Date(this.backend.now()));
      if (!normalized) return fail(BAD_PARAMETER, 'invalid idCardNumber');
      name = input.name;
      idCardNumber = normalized;
    }

    const scenario = forced ?? scenarioOfName(name);
    const { legacy: errCode, description } = SCENARIO_CODES[scenario];
    if (errCode >= CLIENT_SIDE_CODES_FROM) return fail(errCode, description);

    const readDigits =
      input.checkAliveType === 0 || (input.checkAliveType === 2 && input.readDigitsFallback === true);
    const finishedAt = Math.floor(this.backend.now() / 1000);
    const verifyResult = this.backend.recordLegacyEvidence({
      appId,
      openid,
      identifyRet: errCode,
      identifyTime: finishedAt,
      finishTime: finishedAt,
      validateData: readDigits ? String(randomInt(0, 10_000)).padStart(4, '0') : '',
      // WeChat answers a user_id_key for this identity whichever way the check was started.
      userIdKey: userIdKey ?? this.backend.issueUserIdKey(appId, name, idCardNumber),
      idCardNumberMd5: idCardNumberMd5(idCardNumber),
      nameUtf8Md5: nameUtf8Md5(name),
    });
    return {
      errCode,
      errMsg: errCode === 0 ? `${LEGACY_API}:ok` : `${LEGACY_API}:fail ${description}`,
      verifyResult,
    };
  }

  runV2Check(input: V2CheckInput): V2CheckResult {
    if (typeof input !== 'object' || input === null)
      throw new SandboxInputError('a check input object is required');
    const openid = requireOpenid(input.openid);
    const forced = optionalScenario(input.scenario);
    if (input.appId !== undefined) this.requireApp(input.appId);
    if (typeof input.verifyId !== 'string') throw new SandboxInputError('verifyId must be a string');
    const fail = (errCode: number, why: string): V2CheckResult => ({
      errCode,
      errMsg: `${V2_API}:fail ${why}`,
    });

    const record = this.backend.verifyIdRecord(input.verifyId);
    if (!record) return fail(INVALID_IDENTIFY_ID, 'invalid or expired verifyId');
    if (input.appId !== undefined && input.appId !== record.appId) {
      return fail(BAD_PARAMETER, 'verifyId was issued to another mini program');
    }
    if (openid !== record.openid) return fail(BAD_PARAMETER, 'verifyId was issued for another user');

    const { v2: errCode, description } = SCENARIO_CODES[forced ?? record.scenario];
    // Re-running a verify_id is allowed while it is valid; queryverifyinfo reports the latest run.
    record.verifyRet = errCode === 0 ? 10000 : errCode;
    return errCode === 0 ? { errCode, errMsg: `${V2_API}:ok` } : fail(errCode, description);
  }

  private requireApp(appId: string | undefined): string {
    const id = appId ?? this.mainAppId;
    if (!this.backend.hasApp(id)) throw new SandboxInputError(`unknown appid: ${String(id)}`);
    return id;
  }
}
