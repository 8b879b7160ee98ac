/**
 * Two runs at once can both find no open issue and both create one. The
 * failure-issue and alert-issue syncs share this check after creating: when
 * an older open issue carries the same marker, it wins, and the new one is
 * closed as a duplicate pointing to it.
 */
import type { IssueStep } from './api-errors.js'
import { where, type CallContext, type OpenIssue } from './issue-api.js'

/**
 * Searches again after creating issue `created`; returns the older issue
 * that stays open (ours is then closed as not planned, with a comment), or
 * null when ours stays. A failed re-check keeps ours: a created issue must
 * not turn into a warning. `onStep` hears the close step before it runs.
 */
export async function yieldToOlderIssue(
  ctx: CallContext,
  created: { number: number },
  search: () => Promise<OpenIssue | null>,
  onStep: (step: IssueStep) => void
): Promise<OpenIssue | null> {
  const older = await search().catch(() => null)
  if (older === null || older.number >= created.number) return null
  onStep('close the duplicate failure issue')
  await ctx.octokit.rest.issues.createComment({
    ...where(ctx),
    issue_number: created.number,
    body: `Duplicate of #${older.number}: another run opened it at the same time. Findings continue there.`
  })
  await ctx.octokit.rest.issues.update({
    ...where(ctx),
    issue_number: created.number,
    state: 'closed',
    state_reason: 'not_planned'
  })
  return older
}
