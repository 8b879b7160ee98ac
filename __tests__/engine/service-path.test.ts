/**
 * The service path (SuiteContext.path): through a relay that injects faults
 * it reopens dropped lanes, resends, retries cut steps and excuses only what
 * the relay injected; straight to the service it does none of that, so the
 * service's own drops are judged. Real sockets: reference server, relay.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { NO_FAULTS, type FaultOverrides } from '../../src/chaos/faults.js'
import { startChaosRelay, type ChaosRelay } from '../../src/chaos/relay.js'
import { createConnector } from '../../src/client/connection.js'
import { createProbeProtocol } from '../../src/client/protocol.js'
import type { ConfigInput } from '../../src/config/schema.js'
import { chaosRetryWindowMs } from '../../src/engine/chaos-timing.js'
import type { CloseInfo, Connection } from '../../src/client/types.js'
import {
  CUT_STEP_TRIES,
  createServicePath,
  type FaultSource,
  type ServicePath
} from '../../src/engine/service-path.js'
import { systemClock } from '../../src/metrics/clock.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { makeConfig } from '../fixtures/builders.js'
import { DEFAULT_TIMEOUTS } from '../fixtures/schema-defaults.js'

let server: ReferenceServer | undefined
let relay: ChaosRelay | undefined
const opened: Connection[] = []
afterEach(async () => {
  for (const connection of opened.splice(0)) connection.terminate()
  await relay?.close()
  relay = undefined
  await server?.close()
  server = undefined
})

const signal = new AbortController().signal

async function relayed(faults: FaultOverrides = {}): Promise<ChaosRelay> {
  server = await startReferenceServer()
  relay = await startChaosRelay({
    target: server.url,
    seed: 1,
    base: NO_FAULTS,
    faults,
    clock: systemClock
  })
  return relay
}

function pathTo(url: string, source?: FaultSource, overrides: ConfigInput = {}): ServicePath {
  const config = makeConfig({ url, thresholds: { messageTimeoutMs: 5_000 }, ...overrides })
  const direct = createConnector({
    ...DEFAULT_TIMEOUTS,
    url,
    clock: systemClock,
    protocol: createProbeProtocol(config)
  })
  const connect: typeof direct = async (options) => {
    const connection = await direct(options)
    opened.push(connection)
    return connection
  }
  return createServicePath({
    config,
    connect,
    clock: systemClock,
    signal,
    ...(source ? { relay: source } : {})
  })
}

function sourceOf(relay: ChaosRelay): FaultSource {
  return {
    faults: relay.faults,
    injected: () => ({ ...relay.injected }),
    heldBetween: (fromMs, toMs) => relay.heldBetween(fromMs, toMs)
  }
}

async function dropAndWait(relay: ChaosRelay, connection: Connection): Promise<CloseInfo> {
  relay.dropAll()
  return connection.closed
}

describe('service path through a relay that injects faults', () => {
  it('reopens a dropped lane and sends its probes again on the new connection', async () => {
    const r = await relayed()
    let n = 0
    const path = pathTo(r.url, sourceOf(r))
    const lane = await path.openLane({ label: 'lane_1' }, () => `lane_${++n + 1}`)
    const first = lane.current()
    await dropAndWait(r, first)
    const result = await path.probe(lane, { count: 3 })
    expect(result).toMatchObject({ replies: 3, reconnects: 1, failures: 0 })
    expect(lane.current()).not.toBe(first)
    expect(lane.reopens()).toBe(1)
    expect(lane.current().label).toBe('lane_2')
    expect(path.recoveryMetrics({ resent: result.resent })).toEqual({
      chaos: { resent: result.resent }
    })
    await lane.close()
  })

  it('sends one probe again on the reopened lane after a drop (probeOnce)', async () => {
    const r = await relayed()
    const path = pathTo(r.url, sourceOf(r))
    const lane = await path.openLane({ label: 'once_1' }, () => 'once_2')
    await dropAndWait(r, lane.current())
    const { trip, resends, reopens } = await path.probeOnce(lane, { kind: 'text' })
    expect({ intact: trip.intact, resends, reopens }).toEqual({
      intact: true,
      resends: 0,
      reopens: 1
    })
    expect(lane.current().label).toBe('once_2')
  })

  it('resends a lost probe tries.count times in all, then gives its timeout (probeOnce)', async () => {
    const r = await relayed({ messageLoss: { probability: 1, direction: 'client-to-server' } })
    const path = pathTo(r.url, sourceOf(r))
    const lane = await path.openLane({ label: 'lost_1' }, () => 'lost_2')
    await expect(path.probeOnce(lane)).rejects.toMatchObject({ code: 'WSH_ERR_MESSAGE_TIMEOUT' })
    // Every try reached the relay and was lost there: the resends really went out.
    expect(r.injected.losses).toBe(path.tries.count)
    expect(path.tries.count).toBeGreaterThan(1)
  })

  it('tries a cut step again on a fresh connection, stepTries times at most', async () => {
    const r = await relayed()
    const path = pathTo(r.url, sourceOf(r))
    const lane = await path.openLane({ label: 'step_1' }, () => 'step_next')
    const ran: Connection[] = []
    const { retries, connection } = await path.retryCutStep(
      lane,
      async (on) => {
        ran.push(on)
        return on.close(1000, '', 2_000)
      },
      () => true
    )
    expect(path.stepTries).toBe(CUT_STEP_TRIES)
    expect(ran).toHaveLength(CUT_STEP_TRIES)
    expect(new Set(ran).size).toBe(CUT_STEP_TRIES)
    expect(retries).toBe(CUT_STEP_TRIES - 1)
    expect(connection).toBe(ran[ran.length - 1])
  })

  it('excuses a lost message only as often as the relay injected a drop', async () => {
    const r = await relayed({ randomDisconnect: { probability: 1, reconnectDelayMs: 0 } })
    const path = pathTo(r.url, sourceOf(r))
    const ledger = path.ledger()
    const lane = await path.openLane({ label: 'excuse_1' }, () => 'excuse_2')
    const connection = lane.current()
    // Still open: nothing to excuse.
    expect(ledger.excuseDrop(connection)).toBe(false)
    // The relay drops the connection on the first message it relays.
    await expect(connection.probe({ timeoutMs: 5_000 })).rejects.toMatchObject({
      code: 'WSH_ERR_CONNECTION_LOST'
    })
    const info = await connection.closed
    const { disconnects } = ledger.injected()
    expect(disconnects).toBeGreaterThanOrEqual(1)
    let excused = 0
    for (let i = 0; i < disconnects + 2 && ledger.excuseDrop(connection); i++) excused++
    expect(excused).toBe(disconnects)
    expect(ledger.excusedDrops()).toBe(disconnects)
    expect(ledger.unexcusedResends(disconnects + 2)).toBe(2)
    expect(ledger.dropExcuse()).toContain(`injected ${disconnects} disconnects`)
    // A drop without a close frame shows the relay's side, not the service's.
    expect(info.code).toBe(1006)
    expect(path.showsServiceClose(info)).toBe(false)
  })

  it('heals drops within the refusal window, unless an outage window is scheduled', async () => {
    const r = await relayed({ randomDisconnect: { probability: 0, reconnectDelayMs: 400 } })
    const path = pathTo(r.url, sourceOf(r))
    expect(path.refusalWindowMs).toBe(chaosRetryWindowMs(r.faults))
    expect(path.healWindowMs).toBe(path.refusalWindowMs)
    const outage = { chaos: { outage: { startMs: 0, durationMs: 100 } } }
    expect(pathTo(r.url, sourceOf(r), outage).healWindowMs).toBeUndefined()
    expect(pathTo(r.url).healWindowMs).toBeUndefined()
  })

  it('does not judge a round trip that may have waited behind delayed data without a hold ledger', async () => {
    const r = await relayed()
    const withoutHolds = pathTo(r.url, { faults: r.faults, injected: () => ({ ...r.injected }) })
    const ledger = withoutHolds.ledger()
    expect(ledger.measuresHolds).toBe(false)
    expect(ledger.ownTimeMs(30, 0, 30, true)).toBeUndefined()
    expect(ledger.ownTimeMs(30, 0, 30, false)).toBe(30)
    expect(pathTo(r.url, sourceOf(r)).ledger().measuresHolds).toBe(true)
  })
})

describe('service path straight to the service', () => {
  it('leaves a drop to be judged: no reopening, no resend, nothing excused', async () => {
    // The relay only drops the connection here: the path does not know it is there.
    const r = await relayed()
    const path = pathTo(r.url)
    const lane = await path.openLane({ label: 'direct_1' }, () => 'direct_2')
    const first = lane.current()
    const info = await dropAndWait(r, first)
    expect(await lane.recover()).toBe(first)
    const result = await path.probe(lane, { count: 3 })
    expect(result).toMatchObject({ replies: 0, reconnects: 0, resent: 0 })
    expect(result.firstError).toMatchObject({ code: 'WSH_ERR_CONNECTION_LOST' })
    const ledger = path.ledger()
    expect(ledger.excuseDrop(first)).toBe(false)
    expect(ledger.dropExcuse()).toBeUndefined()
    expect(ledger.ownTimeMs(12, 0, 12, true)).toBe(12)
    expect(path.showsServiceClose(info)).toBe(true)
    expect(path.tries).toEqual({ count: 1, timeoutMs: 5_000 })
    expect(path.recoveryMetrics({ resent: 0 })).toEqual({})
    expect(path.phase(40, 40)).toEqual({ count: 40, concurrency: 40 })
  })

  it('sends one probe once and leaves a drop to the service (probeOnce)', async () => {
    const r = await relayed()
    const path = pathTo(r.url)
    const lane = await path.openLane({ label: 'plain_1' }, () => 'plain_2')
    await expect(path.probeOnce(lane)).resolves.toMatchObject({ resends: 0, reopens: 0 })
    await dropAndWait(r, lane.current())
    await expect(path.probeOnce(lane)).rejects.toMatchObject({ code: 'WSH_ERR_CONNECTION_LOST' })
    expect(lane.reopens()).toBe(0)
  })

  it('runs a step once, however it ends', async () => {
    server = await startReferenceServer()
    const path = pathTo(server.url)
    const lane = await path.openLane({ label: 'once_1' }, () => 'once_2')
    let asked = 0
    let ran = 0
    const { retries } = await path.retryCutStep(
      lane,
      async (on) => {
        ran++
        return on.close(1000, '', 2_000)
      },
      () => {
        asked++
        return true
      }
    )
    expect({ ran, asked, retries }).toEqual({ ran: 1, asked: 0, retries: 0 })
  })
})
