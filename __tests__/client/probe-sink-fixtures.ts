/** A recording ProbeSink and a connection opener shared by the probeTo and pending-ring tests. */
import { afterEach } from '@jest/globals'
import { createConnection } from '../../src/client/connection.js'
import { createProbeProtocol } from '../../src/client/protocol.js'
import type { Connection, ProbeSink } from '../../src/client/types.js'
import { ConfigSchema } from '../../src/config/schema.js'
import { isHealthError } from '../../src/errors.js'
import { systemClock } from '../../src/metrics/clock.js'
import { createRunRecorder } from '../../src/metrics/run-recorder.js'
import { DEFAULT_TIMEOUTS } from '../fixtures/schema-defaults.js'

export interface Outcome {
  token: number
  answered: boolean
  rttMs?: number
  bytes?: number
  matchedById?: boolean
  code?: string
}

export type RecordingSink = ProbeSink & { outcomes: Outcome[]; settled(n: number): Promise<void> }

/** A sink that records every call, and resolves `settled(n)` once it has n outcomes. */
export function recordingSink(): RecordingSink {
  const outcomes: Outcome[] = []
  const waiters: Array<{ n: number; resolve: () => void }> = []
  const wake = (): void => {
    for (const waiter of waiters) if (outcomes.length >= waiter.n) waiter.resolve()
  }
  return {
    outcomes,
    probeAnswered(token, rttMs, bytes, matchedById) {
      outcomes.push({ token, answered: true, rttMs, bytes, matchedById })
      wake()
    },
    probeFailed(token, error) {
      outcomes.push({ token, answered: false, code: isHealthError(error) ? error.code : 'other' })
      wake()
    },
    settled(n) {
      return outcomes.length >= n
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ n, resolve }))
    }
  }
}

/**
 * Registers the cleanup of the calling test file and returns `connectTo`, which
 * opens an instrumented connection (default config) to `server`; both are closed
 * after each test.
 */
export function connectionsClosedAfterEach(): (server: {
  url: string
  close(): Promise<void>
}) => Promise<Connection> {
  const closers: Array<() => Promise<void>> = []
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()))
  })
  return async (server) => {
    closers.push(() => server.close())
    const connection = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url: server.url,
      clock: systemClock,
      protocol: createProbeProtocol(ConfigSchema.parse({})),
      recorder: createRunRecorder(systemClock)
    })
    closers.push(async () => connection.terminate())
    return connection
  }
}
