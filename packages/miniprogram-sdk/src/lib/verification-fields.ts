/** The fields every operation reads of a Verification (one fragment, so every answer has the same shape). */
export const VERIFICATION_FIELDS = `
fragment VerificationFields on Verification {
  id
  status
  protocol
  livenessType
  maskedName
  maskedIdCardNumber
  attempts
  maxAttempts
  lastError { code message retryable upstreamCode }
  expiresAt
  verifiedAt
  guardianRequired
  cancelReason
  consentReceipt { id version acceptedAt withdrawnAt }
  clientParams {
    __typename
    ... on LegacyClientParams { checkAliveType name idCardNumber userIdKey }
    ... on V2ClientParams { verifyId }
  }
}`;
