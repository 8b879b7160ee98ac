/**
 * The run's reply-integrity counts as suites and the runner see them: what
 * the recorder counted of corrupted, duplicated, misrouted (cross-talk) and
 * unsolicited messages, and the change over one suite.
 */

/** Reply-integrity counts of the run so far (RunCounters fields of the same names). */
export interface ReplyIntegrity {
  corrupted: number
  duplicates: number
  crossTalk: number
  unsolicited: number
}

/** A copy of the counts in `counters` (which keeps counting). */
export function integrityOf(counters: Readonly<ReplyIntegrity>): ReplyIntegrity {
  return {
    corrupted: counters.corrupted,
    duplicates: counters.duplicates,
    crossTalk: counters.crossTalk,
    unsolicited: counters.unsolicited
  }
}

/** What changed from `before` to `after`. */
export function integritySince(before: ReplyIntegrity, after: ReplyIntegrity): ReplyIntegrity {
  return {
    corrupted: after.corrupted - before.corrupted,
    duplicates: after.duplicates - before.duplicates,
    crossTalk: after.crossTalk - before.crossTalk,
    unsolicited: after.unsolicited - before.unsolicited
  }
}
