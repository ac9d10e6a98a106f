import type { AppScope } from '../apps/app.js';
import type {
  ConsoleBucket,
  ConsoleOverviewRows,
  ConsoleSessionCursor,
  ConsoleSessionFilter,
  ConsoleSessionRow,
  FailureCount,
  TimelineEntry,
} from './console-read-model.types.js';

/**
 * The operator console's read side: aggregates and masked session rows, computed by the store (never in the
 * browser). Read-only; never the digests, the sealed binding or the evidence.
 *
 * `apps` limits every read to those apps' sessions (null or omitted: every app). The GraphQL layer always
 * passes it: the app the operator picked, within the apps the key may see.
 */
export interface ConsoleReadModel {
  /** Counts and times to outcome of the sessions started in [from, to), with a series per bucket. */
  overview(
    from: Date,
    to: Date,
    bucket: ConsoleBucket,
    now?: Date,
    apps?: AppScope,
  ): Promise<ConsoleOverviewRows>;
  /** The latest failure of each session started in [from, to), by code, most frequent first. */
  failures(from: Date, to: Date, apps?: AppScope): Promise<FailureCount[]>;
  /** Newest first, keyset-paginated on (createdAt, id); `first + 1` rows tell whether more follow. */
  sessions(
    filter: ConsoleSessionFilter,
    first: number,
    after: ConsoleSessionCursor | null,
  ): Promise<ConsoleSessionRow[]>;
  /** One session, or null when none has this id (the caller checks its app against the key's). */
  session(id: string): Promise<ConsoleSessionRow | null>;
  /**
   * The timelines of several sessions (a page) read together, by session id, each oldest first (see
   * assembleTimeline): a page costs the same few reads whatever its size.
   */
  timelines(sessions: readonly ConsoleSessionRow[]): Promise<ReadonlyMap<string, TimelineEntry[]>>;
  /** Sessions started in [from, to) that ended because the user chose the other way to verify. */
  alternativeChosen(from: Date, to: Date, apps?: AppScope): Promise<number>;
  /**
   * Distinct people (distinct ID-number HMACs) ever processed, redacted sessions included: what the
   * provincial filing threshold (100,000) counts.
   */
  distinctPeople(): Promise<number>;
}
