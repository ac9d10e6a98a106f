/** The outbox's upkeep: events already fanned out to webhooks are not needed after the retention. */
export interface OutboxPruner {
  /**
   * Deletes outbox events written before `olderThan` that were already fanned out (an event not yet fanned
   * out is never pruned), at most `batch`; returns how many. Safe to run from many instances at once.
   */
  prune(olderThan: Date, batch?: number): Promise<number>;
}
