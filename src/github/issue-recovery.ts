/**
 * Closing an issue on recovery, shared by the failure-issue and alert-issue
 * syncs: a recovery comment, then one edit that closes the issue and
 * replaces its latest-status section.
 */
import type { IssueStep } from './api-errors.js'
import { where, type CallContext, type OpenIssue } from './issue-api.js'
import { replaceLatestSection } from './issue-marker.js'

/**
 * Comments and closes `open`. `onStep` hears each step before it runs, so a
 * caller's error report names the step that failed and knows whether the
 * comment already landed.
 */
export async function closeRecoveredIssue(
  ctx: CallContext,
  open: OpenIssue,
  text: { comment: string; latestSection: string },
  onStep: (step: IssueStep, commented: boolean) => void
): Promise<void> {
  onStep('comment on the failure issue', false)
  await ctx.octokit.rest.issues.createComment({
    ...where(ctx),
    issue_number: open.number,
    body: text.comment
  })
  onStep('close the failure issue', true)
  await ctx.octokit.rest.issues.update({
    ...where(ctx),
    issue_number: open.number,
    state: 'closed',
    state_reason: 'completed',
    body: replaceLatestSection(open.body, text.latestSection)
  })
}
