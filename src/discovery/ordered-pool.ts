/**
 * A bounded pool whose answer does not depend on timing: tasks run in
 * parallel, but the winner is the lowest index that wins, decided only once
 * every lower index has finished.
 */

/** Abort reason handed to tasks that lost to an earlier index. */
export const SUPERSEDED = 'stopped: an earlier candidate upgraded'
/** Abort reason when the caller's signal carries no string reason. */
export const STOPPED = 'stopped: discovery was cancelled'

/**
 * Runs `run` over tasks in index order with at most `concurrency` in flight.
 * Stops at the lowest index whose result `wins` once every lower index has
 * finished, and aborts the tasks still running after it (reason SUPERSEDED).
 * Tasks receive string abort reasons, so they can say why they stopped.
 */
export async function firstInOrder<R>(
  count: number,
  concurrency: number,
  signal: AbortSignal | undefined,
  run: (index: number, signal: AbortSignal) => Promise<R>,
  wins: (result: R) => boolean
): Promise<{ results: Array<R | undefined>; winner: number }> {
  const results: Array<R | undefined> = new Array<R | undefined>(count)
  const controllers = new Map<number, AbortController>()
  let next = 0
  let settled = 0 // every index below this has a result
  let winner = -1
  const stopAll = (): void => {
    const reason = typeof signal?.reason === 'string' ? signal.reason : STOPPED
    for (const controller of controllers.values()) controller.abort(reason)
  }
  signal?.addEventListener('abort', stopAll, { once: true })
  const worker = async (): Promise<void> => {
    while (winner < 0 && next < count && !signal?.aborted) {
      const index = next++
      const controller = new AbortController()
      controllers.set(index, controller)
      results[index] = await run(index, controller.signal)
      controllers.delete(index)
      while (winner < 0 && settled < count && results[settled] !== undefined) {
        if (wins(results[settled] as R)) {
          winner = settled
          for (const [other, running] of controllers) if (other > winner) running.abort(SUPERSEDED)
        }
        settled++
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  } finally {
    signal?.removeEventListener('abort', stopAll)
  }
  return { results, winner }
}
