/**
 * Jest's own order (failed first, then longest first by the durations it
 * cached) when it has durations; on a fresh clone, which has none and falls
 * back to file size, the files measured as the longest start first, so the
 * run does not end waiting on a 50 s chaos scenario that started last.
 *
 * The list is the slowest files of a full run (`npx jest --json
 * --outputFile=times.json`, endTime - startTime), longest first; a file
 * missing from it only loses its head start.
 */
import Sequencer from '@jest/test-sequencer'

const SLOW_FIRST = [
  'chaos-mode/chaos-all-suites.test.ts',
  'e2e/dist.test.ts',
  'chaos-mode/latency-under-chaos.test.ts',
  'report/summary-render.test.ts',
  'concurrency/stress-run.test.ts',
  'self-healing/suite.test.ts',
  'concurrency/stress.test.ts',
  'chaos-mode/chaos-default-faults-load.test.ts',
  'e2e/cancel.test.ts',
  'chaos-mode/chaos-default-faults.test.ts',
  'e2e/service-down.test.ts',
  'e2e/action-extras.test.ts',
  'e2e/issue-dist.test.ts',
  'suites/faulty-servers.test.ts',
  'e2e/cli-log.test.ts'
].map((file) => `/__tests__/${file}`)

function rank(test) {
  const path = test.path.replaceAll('\\', '/')
  const index = SLOW_FIRST.findIndex((suffix) => path.endsWith(suffix))
  return index === -1 ? SLOW_FIRST.length : index
}

export default class SlowFirstSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests)
    if (sorted.some((test) => test.duration != null)) return sorted
    return [...sorted].sort((a, b) => rank(a) - rank(b))
  }
}
