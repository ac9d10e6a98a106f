import type { AppScope } from '../apps/app.js';

/** Hours or (China Standard Time) days. */
export type ConsoleBucket = 'hour' | 'day';

/** Sessions started in a period, by their status now, with the funnel and the times to outcome. */
export interface ConsoleCounts {
  started: number;
  pending: number;
  verified: number;
  failed: number;
  canceled: number;
  expired: number;
  /** Sessions with at least one recorded confirm attempt: the face check ran on the device. */
  deviceRan: number;
  /** Sessions that reached an outcome through confirmVerification (VERIFIED or FAILED). */
  confirmed: number;
  /** Seconds from start to VERIFIED or FAILED; null when none ended so. */
  medianSecondsToOutcome: number | null;
  p95SecondsToOutcome: number | null;
}

export interface ConsoleOverviewRows {
  /** All protocols together. */
  total: ConsoleCounts;
  byProtocol: (ConsoleCounts & { protocol: 'LEGACY' | 'V2' })[];
  /** Sessions started per bucket, by their current status; buckets without sessions are left out. */
  series: { bucket: Date; status: string; count: number }[];
}

export interface FailureCount {
  code: string;
  count: number;
  /** Per day (CST), oldest first. */
  trend: { bucket: Date; count: number }[];
}

/** A session as the console shows it: masked name and ID number only; no evidence, no digests. */
export interface ConsoleSessionRow {
  id: string;
  /** The app (mini program) the session belongs to. */
  app: string;
  status: string;
  protocol: string;
  maskedName: string;
  maskedIdCardNumber: string;
  attempts: number;
  maxAttempts: number;
  lastErrorCode: string | null;
  openid: string;
  clientReferenceId: string | null;
  createdAt: Date;
  endedAt: Date | null;
  verifiedAt: Date | null;
}

export interface ConsoleSessionFilter {
  /** These apps' sessions only; null or omitted: every app. */
  apps?: AppScope;
  status?: string | null;
  protocol?: string | null;
  openid?: string | null;
  clientReferenceId?: string | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
}

/** Where a page of sessions continues: after the session with this (createdAt, id), newest first. */
export interface ConsoleSessionCursor {
  createdAt: Date;
  id: string;
}

export type TimelineKind = 'STARTED' | 'ATTEMPT_CLAIMED' | 'ATTEMPT_COMPLETED' | 'EVENT' | 'ENDED';

export interface TimelineEntry {
  at: Date;
  kind: TimelineKind;
  status: string | null;
  attempt: number | null;
  failureCode: string | null;
}
