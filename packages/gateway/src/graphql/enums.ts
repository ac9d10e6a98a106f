import {
  FAILURE_CODES,
  LIVENESS_TYPES,
  VERIFICATION_PROTOCOLS,
  VERIFICATION_STATUSES,
} from '@facegate/domain';
import { builder } from './builder';

export const VerificationProtocolEnum = builder.enumType('VerificationProtocol', {
  description:
    'LEGACY: face verification 1.0 (getinfo). V2: face verification 2.0 (getverifyid / queryverifyinfo).',
  values: VERIFICATION_PROTOCOLS,
});

export const LivenessTypeEnum = builder.enumType('LivenessType', {
  description:
    "WeChat's checkAliveType for legacy checks: READ_DIGITS = 0, SCREEN_FLASH = 1, SCREEN_FLASH_OR_READ_DIGITS = 2",
  values: LIVENESS_TYPES,
});

export const VerificationStatusEnum = builder.enumType('VerificationStatus', {
  values: VERIFICATION_STATUSES,
});

export const FailureCodeEnum = builder.enumType('FailureCode', {
  description: 'Why an attempt failed; the raw WeChat code, when there was one, is in upstreamCode.',
  values: FAILURE_CODES,
});
