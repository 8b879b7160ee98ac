/**
 * Bounded memory (issue 17 section 3): a service that streams a message
 * whose FIN never comes, or sends a deflate bomb, meets the per-message cap
 * (max_message_bytes) and the run fails with WSH_ERR_MESSAGE_TOO_BIG and
 * the reason, instead of buffering until the machine gives out. Peak RSS
 * goals live in the bench (bench/run.mjs, memory rows).
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { createBufferBudget } from '../../src/client/buffer-budget.js'
import { createConnection } from '../../src/client/connection.js'
import { positive } from '../../src/client/connection-options.js'
import { createProbeProtocol } from '../../src/client/protocol.js'
import { openWsSocket, TOO_BIG_CLOSE_REASON } from '../../src/client/socket-opener.js'
import { startChaosRelay } from '../../src/chaos/relay.js'
import { NO_FAULTS } from '../../src/chaos/faults.js'
import { messageCapBytes } from '../../src/client/message-cap.js'
import { HealthError } from '../../src/errors.js'
import { systemClock } from '../../src/metrics/clock.js'
import { makeConfig } from '../fixtures/builders.js'
import { startDeflateBombServer, startEndlessFragmentServer } from '../fixtures/hostile-servers.js'
import type { TestServer } from '../fixtures/ws-server.js'
import { check, runSuite } from '../suites/harness.js'
import { DEFAULT_TIMEOUTS } from '../fixtures/schema-defaults.js'

const MIB = 1024 * 1024
const protocol = createProbeProtocol(makeConfig({}))

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
})

async function started(server: Promise<TestServer>): Promise<TestServer> {
  const s = await server
  closers.push(() => s.close())
  return s
}

/** The error a probe on a fresh connection to `url` rejects with. */
async function probeError(
  url: string,
  options: { maxPayload?: number; compression?: boolean; budgetBytes?: number } = {}
): Promise<HealthError> {
  const connection = await createConnection({
    ...DEFAULT_TIMEOUTS,
    url,
    clock: systemClock,
    protocol,
    maxPayload: options.maxPayload,
    compression: options.compression,
    bufferBudget:
      options.budgetBytes === undefined ? undefined : createBufferBudget(options.budgetBytes)
  })
  const error = await connection.probe({ kind: 'text' }).then(
    () => undefined,
    (e: unknown) => e
  )
  await connection.closed
  expect(error).toBeInstanceOf(HealthError)
  return error as HealthError
}

describe('the per-message cap', () => {
  it('derives the cap from the largest probe, at least 1 MiB, unless max_message_bytes is set', () => {
    expect(messageCapBytes(makeConfig({ largePayloadBytes: 1000 }))).toBe(MIB)
    expect(messageCapBytes(makeConfig({ largePayloadBytes: 1_100_000 }))).toBe(2_200_000)
    expect(messageCapBytes(makeConfig({ largePayloadBytes: 1000, minMessageBytes: 3 * MIB }))).toBe(
      6 * MIB
    )
    expect(messageCapBytes(makeConfig({ maxMessageBytes: 4096 }))).toBe(4096)
  })

  it('names bytes, not milliseconds, for a bad size', () => {
    expect(() => positive('maxPayload', -1, 1, 'bytes')).toThrow(
      'maxPayload: got -1; expected a positive number of bytes'
    )
  })

  it('cuts a message whose FIN never comes at the cap, with the reason', async () => {
    const server = await started(startEndlessFragmentServer())
    const error = await probeError(server.url, { maxPayload: MIB })
    expect(error.code).toBe('WSH_ERR_MESSAGE_TOO_BIG')
    expect(error.message).toMatch(/over 1048576 bytes \(max_message_bytes\)/)
  })

  it('caps a deflate bomb at its inflated size when compression is on', async () => {
    const server = await started(startDeflateBombServer())
    const error = await probeError(server.url, { maxPayload: 2 * MIB, compression: true })
    expect(error.code).toBe('WSH_ERR_MESSAGE_TOO_BIG')
    expect(error.message).toMatch(/over 2097152 bytes/)
  })

  it('does not offer permessage-deflate by default, so the bomb is never inflated', async () => {
    const server = await started(startDeflateBombServer())
    const connection = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url: server.url,
      clock: systemClock,
      protocol,
      maxPayload: 2 * MIB
    })
    expect(connection.handshake.extensions).toBe('')
    // ws refuses the compressed frame as a protocol error; the raw service never answers.
    const error = (await connection
      .probe({ timeoutMs: 2_000 })
      .catch((e: unknown) => e)) as HealthError
    expect(error.code).not.toBe('WSH_ERR_MESSAGE_TOO_BIG')
    expect(connection.lastError).toMatch(/RSV1 must be clear/)
    connection.terminate()
    await connection.closed
  })
})

describe('the buffer budget across connections', () => {
  it('drops the connection that passes the budget, with the reason, and releases its bytes', async () => {
    const server = await started(startEndlessFragmentServer())
    const budget = createBufferBudget(MIB)
    const connection = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url: server.url,
      clock: systemClock,
      protocol,
      maxPayload: 64 * MIB,
      bufferBudget: budget
    })
    const error = (await connection.probe().catch((e: unknown) => e)) as HealthError
    await connection.closed
    expect(error.code).toBe('WSH_ERR_MESSAGE_TOO_BIG')
    expect(error.message).toMatch(/passed the budget of 1048576 bytes/)
    expect(connection.lastError).toBe(error.message)
    expect(budget.usedBytes).toBe(0)
  })
})

describe('other clients honour the cap', () => {
  it('the reconnecting client opener closes with 1009 and the cap as reason', async () => {
    const server = await started(startEndlessFragmentServer())
    const socket = await openWsSocket(server.url, {
      headers: {},
      subprotocols: [],
      handshakeTimeoutMs: 5_000,
      maxPayload: MIB
    })
    const [code, reason] = await new Promise<[number, string]>((resolve) =>
      socket.onClose((c, r) => resolve([c, r]))
    )
    expect(code).toBe(1009)
    expect(reason).toContain(TOO_BIG_CLOSE_REASON)
    expect(reason).toContain('1048576')
  })

  it("the chaos relay caps the service's messages and tells the client why", async () => {
    const server = await started(startEndlessFragmentServer())
    const relay = await startChaosRelay({ target: server.url, base: NO_FAULTS, maxPayload: MIB })
    closers.push(() => relay.close())
    // The client's own cap is far above the relay's: only the relay can cut this message.
    const error = await probeError(relay.url, { maxPayload: 512 * MIB })
    expect(error.code).toBe('WSH_ERR_MESSAGE_TOO_BIG')
    expect(error.message).toMatch(/through the chaos relay/)
  })
})

describe('a run against hostile services with 20 connections', () => {
  it('fails on an endless fragmented message with WSH_ERR_MESSAGE_TOO_BIG', async () => {
    const server = await started(startEndlessFragmentServer())
    const { result, recorder } = await runSuite('concurrent-connections', server.url, {
      connectionCount: 20
    })
    expect(result.status).toBe('failed')
    expect(check(result, 'all-served').code).toBe('WSH_ERR_MESSAGE_TOO_BIG')
    expect(check(result, 'all-served').message).toMatch(/over 2200000 bytes \(max_message_bytes\)/)
    expect(recorder.counters.errors).toBeGreaterThanOrEqual(20)
  }, 30_000)

  it('fails on a deflate bomb with compression on, with the reason', async () => {
    const server = await started(startDeflateBombServer())
    const { result } = await runSuite('concurrent-connections', server.url, {
      connectionCount: 20,
      compression: true
    })
    expect(result.status).toBe('failed')
    expect(check(result, 'all-served').code).toBe('WSH_ERR_MESSAGE_TOO_BIG')
    expect(check(result, 'all-served').message).toMatch(/over 2200000 bytes \(max_message_bytes\)/)
  }, 30_000)
})
