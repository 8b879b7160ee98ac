/**
 * A pool of instrumented connections that opens at a bounded rate and keeps
 * every connection exchanging probes: the shared engine of the
 * concurrent-connections suite and stress mode. The client must not be the
 * bottleneck, so per-connection state is a handful of numbers, reply
 * handlers are bound once per connection, and sends are batched: one
 * scheduler tick (and one setImmediate flush after replies) serves every
 * connection, never a timer per connection.
 */
import { setMaxListeners } from 'node:events'
import type { Connection, RoundTrip } from '../client/types.js'
import { isHealthError } from '../errors.js'
import { isFdExhausted } from './fd-limit.js'
import { backlogError, createProbeSchedule } from './open-loop.js'
import type {
  GrowResult,
  HealFigures,
  LoadPool,
  LoadPoolOptions,
  LoadSlot,
  PoolTotals
} from './load-types.js'
import { closeQuietly, connectWithin } from './probes.js'
import { createStepFence } from './step-fence.js'

export * from './load-types.js'

/** Period of the scheduler that paces probes and heartbeats, in ms. */
export const TICK_MS = 5
/** Handshakes in flight at once while opening, whatever the open rate. */
export const MAX_PENDING_OPENS = 256
/** A service that refused this many opens in a row will not accept the rest: stop trying. */
export const MAX_CONSECUTIVE_OPEN_FAILURES = 20
/** Reconnections per connection after a drop; bounded so a flapping service cannot loop us. */
export const MAX_RECONNECTS = 3
const GOLDEN = 0.6180339887

function checkOptions(options: LoadPoolOptions): void {
  const { openRatePerSec, window, intervalMs, heartbeatIntervalMs, timeoutMs } = options
  if (!(openRatePerSec > 0)) {
    throw new RangeError(`openRatePerSec: got ${openRatePerSec}; expected a number > 0`)
  }
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(`window: got ${window}; expected an integer >= 1`)
  }
  for (const [name, value] of [
    ['intervalMs', intervalMs],
    ['heartbeatIntervalMs', heartbeatIntervalMs]
  ] as const) {
    if (!(value >= 0)) throw new RangeError(`${name}: got ${value}; expected a number >= 0`)
  }
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs: got ${timeoutMs}; expected ms > 0`)
  if (options.pacing === 'open-loop' && !(intervalMs > 0)) {
    throw new RangeError(`intervalMs: got ${intervalMs}; an open-loop schedule needs ms > 0`)
  }
  const healing = options.healing
  if (healing !== undefined) {
    if (!(healing.healWithinMs >= 0)) {
      throw new RangeError(`healing.healWithinMs: got ${healing.healWithinMs}; expected ms >= 0`)
    }
    if (!Number.isInteger(healing.maxReconnects) || healing.maxReconnects < 0) {
      throw new RangeError(
        `healing.maxReconnects: got ${healing.maxReconnects}; expected an integer >= 0`
      )
    }
  }
}

/** Creates an empty pool; nothing opens until `grow`. */
export function createLoadPool(options: LoadPoolOptions): LoadPool {
  checkOptions(options)
  const { clock, signal } = options
  // Every pending handshake and the scheduler's sleep listen on the signal; that many is expected.
  setMaxListeners(MAX_PENDING_OPENS + 16, signal)
  const slots: LoadSlot[] = []
  const totals: PoolTotals = {
    sent: 0,
    replies: 0,
    timeouts: 0,
    failures: 0,
    backlogged: 0,
    drops: 0,
    openAttempts: 0,
    openFailures: 0,
    fdFailures: 0
  }
  const probeOptions = { kind: options.kind, bytes: options.bytes, timeoutMs: options.timeoutMs }
  const ready: LoadSlot[] = []
  let flushScheduled = false
  let driving = false
  let closing = false
  let firstOpenError: unknown
  let firstFdError: unknown
  let firstProbeError: unknown
  let nextIndex = 0
  // Start of the metering window (drive + settle), NaN outside it.
  let meterFromMs = Number.NaN
  const healing = options.healing
  const maxReconnects = healing?.maxReconnects ?? MAX_RECONNECTS
  const heal: HealFigures | undefined = healing
    ? { healed: 0, lostToDrops: 0, pendingAtClose: 0 }
    : undefined
  // Under healing: when each down slot dropped, and for each slot reopened in time, its `sent` then.
  const droppedAt = new Map<LoadSlot, number>()
  const awaitingServe = new Map<LoadSlot, number>()
  const reopening = new Set<Promise<void>>()

  // Probes in flight when a step closes stay that step's (step-fence.ts).
  const fence = createStepFence(clock)
  const pool: LoadPool = {
    slots,
    totals,
    get firstOpenError() {
      return firstOpenError
    },
    get firstFdError() {
      return firstFdError
    },
    get firstProbeError() {
      return firstProbeError
    },
    sink: undefined,
    heal,
    grow,
    drive,
    settle,
    closeStep: (ledger) => fence.close(slots, ledger),
    openCount,
    closeAll
  }

  /** Credits `slot`'s uncredited uptime inside the metering window up to `now`. */
  function credit(slot: LoadSlot, now: number): void {
    if (Number.isNaN(slot.upSinceMs)) return
    if (!Number.isNaN(meterFromMs))
      slot.activeMs += Math.max(0, now - Math.max(slot.upSinceMs, meterFromMs))
    slot.upSinceMs = now
  }

  function stopMetering(): void {
    if (Number.isNaN(meterFromMs)) return
    const now = clock.nowMs()
    for (const slot of slots) credit(slot, now)
    meterFromMs = Number.NaN
  }

  /** One connection's open-loop schedule from `startMs`: one probe every intervalMs. */
  function schedule(startMs: number): ReturnType<typeof createProbeSchedule> {
    return createProbeSchedule(1000 / options.intervalMs, startMs)
  }

  function openCount(): number {
    let open = 0
    for (const slot of slots) if (slot.connection?.readyState === 'OPEN') open++
    return open
  }

  function send(slot: LoadSlot, connection: Connection, now: number): void {
    slot.inFlight++
    slot.sent++
    totals.sent++
    slot.nextSendAtMs = now + options.intervalMs
    const bound = handlers.get(slot)
    if (bound !== undefined) connection.probe(probeOptions).then(bound.reply, bound.fail)
  }

  /** Open loop: sends the probe `slot` had due at `intendedMs`, or counts it as backlogged. */
  function sendScheduled(slot: LoadSlot, connection: Connection, intendedMs: number): void {
    if (slot.inFlight >= options.window) {
      slot.failures++
      totals.failures++
      totals.backlogged++
      firstProbeError ??= backlogError(options.window, 'the window of its connection')
      return
    }
    slot.inFlight++
    slot.sent++
    totals.sent++
    const bound = handlers.get(slot)
    if (bound === undefined) return
    // The round trip counts from when the probe was due, not from when it could go out.
    const lateMs = clock.nowMs() - intendedMs
    connection.probe(probeOptions).then((trip) => bound.reply(trip, lateMs), bound.fail)
  }

  /** Sends what each slot may send now; called per tick and after replies. */
  function serve(slot: LoadSlot, now: number): void {
    const connection = slot.connection
    if (connection === undefined || connection.readyState !== 'OPEN') return
    if (options.heartbeatIntervalMs > 0 && now >= slot.nextPingAtMs) {
      slot.nextPingAtMs = now + options.heartbeatIntervalMs
      slot.pingsSent++
      connection.ping().then(
        () => slot.pongs++,
        () => undefined
      )
    }
    if (slot.schedule !== undefined) {
      slot.schedule.takeDue(now, (intendedMs) => sendScheduled(slot, connection, intendedMs))
      return
    }
    while (slot.inFlight < options.window && now >= slot.nextSendAtMs) send(slot, connection, now)
  }

  function flush(): void {
    flushScheduled = false
    if (!driving) {
      ready.length = 0
      return
    }
    const now = clock.nowMs()
    for (let i = 0; i < ready.length; i++) serve(ready[i], now)
    ready.length = 0
  }

  // Reply handlers are built once per slot, not per message (STYLE.md §5).
  const handlers = new Map<
    LoadSlot,
    { reply(trip: RoundTrip, lateMs?: number): void; fail(error: unknown): void }
  >()
  function bind(slot: LoadSlot, connection: Connection): void {
    handlers.set(slot, {
      reply(trip, lateMs = 0) {
        // Under healing, a late answer on a connection that dropped went with the drop.
        if (heal !== undefined && slot.connection !== connection) {
          heal.lostToDrops++
          return
        }
        if (fence.settledLate(slot, trip.rttMs)) return again(slot)
        slot.inFlight--
        slot.replies++
        totals.replies++
        const rttMs = trip.rttMs + lateMs
        slot.rttSumMs += rttMs
        if (rttMs > slot.rttMaxMs) slot.rttMaxMs = rttMs
        if (heal !== undefined && awaitingServe.delete(slot)) heal.healed++
        const sink = pool.sink
        if (sink !== undefined) {
          sink.rtts.add(rttMs)
          sink.times?.add(clock.nowMs())
        }
        again(slot)
      },
      fail(error) {
        // Under chaos a probe in flight when its connection dropped went with the injected drop:
        // it is not judged (the drop is, by whether it healed), nor resent.
        // (It may settle before the drop is seen: the connection is then no longer open.)
        if (
          heal !== undefined &&
          (slot.connection !== connection || connection.readyState !== 'OPEN')
        ) {
          if (slot.connection === connection) slot.inFlight--
          heal.lostToDrops++
          return
        }
        if (fence.settledLate(slot, undefined)) return again(slot)
        slot.inFlight--
        if (isHealthError(error) && error.code === 'WSH_ERR_MESSAGE_TIMEOUT') {
          slot.timeouts++
          totals.timeouts++
        } else {
          slot.failures++
          totals.failures++
          firstProbeError ??= error
        }
        again(slot)
      }
    })
  }

  function again(slot: LoadSlot): void {
    if (!driving) return
    ready.push(slot)
    if (!flushScheduled) {
      flushScheduled = true
      setImmediate(flush)
    }
  }

  function watch(slot: LoadSlot, connection: Connection): void {
    void connection.closed.then((info) => {
      if (closing || slot.connection !== connection) return
      credit(slot, clock.nowMs())
      slot.upSinceMs = Number.NaN
      slot.drops++
      totals.drops++
      slot.lastDropCode = info.code
      if (heal !== undefined) {
        // Reopened in time and dropped again by the next injected fault before it could answer:
        // the service took it back, so that drop healed; this one is judged on its own.
        if (awaitingServe.delete(slot)) heal.healed++
        droppedAt.set(slot, clock.nowMs())
        // Its probes went with it: the reopened connection starts with none in flight.
        slot.connection = undefined
        slot.inFlight = 0
        slot.carried = 0
      }
      if (slot.reconnections < maxReconnects && !signal.aborted) {
        const attempt: Promise<void> = reopen(slot).finally(() => reopening.delete(attempt))
        reopening.add(attempt)
      }
    })
  }

  async function reopen(slot: LoadSlot): Promise<void> {
    // Under healing a reopen the relay refused through the connector's whole retry window (its
    // refusal windows chain when other connections drop) is tried again until healWithinMs has
    // passed since the drop; bounded in time by that and in count as a backstop.
    for (let attempt = 0; attempt < 100; attempt++) {
      if (await reopenOnce(slot)) return
      const dropMs = droppedAt.get(slot)
      if (healing === undefined || dropMs === undefined || closing || signal.aborted) return
      if (clock.nowMs() - dropMs >= healing.healWithinMs) return
    }
  }

  /** One reopen; false when it failed (the slot stays closed). */
  async function reopenOnce(slot: LoadSlot): Promise<boolean> {
    try {
      const connection = await connectWithin(
        options.connect,
        { label: slot.label, record: options.record },
        signal
      )
      if (closing) {
        connection.terminate()
        return true
      }
      slot.reconnections++
      slot.connection = connection
      if (heal !== undefined) bind(slot, connection)
      slot.upSinceMs = clock.nowMs()
      // Its schedule paused while it was down (the drop is counted): restart it, no burst.
      if (slot.schedule !== undefined) slot.schedule = schedule(slot.upSinceMs)
      const dropMs = droppedAt.get(slot)
      droppedAt.delete(slot)
      if (healing !== undefined && dropMs !== undefined) {
        if (slot.upSinceMs - dropMs <= healing.healWithinMs) awaitingServe.set(slot, slot.sent)
      }
      watch(slot, connection)
      return true
    } catch {
      // The drop is already counted; a failed reopen leaves the slot closed.
      return false
    }
  }

  /** 'opened', 'failed' (the service refused or failed), 'fd' (EMFILE/ENFILE here) or 'cut' (closing or aborted). */
  async function openOne(index: number): Promise<'opened' | 'failed' | 'fd' | 'cut'> {
    totals.openAttempts++
    try {
      const connection = await connectWithin(
        options.connect,
        { label: `${options.labelPrefix}${index + 1}`, record: options.record },
        signal
      )
      if (closing) {
        connection.terminate()
        return 'cut'
      }
      const now = clock.nowMs()
      const slot: LoadSlot = {
        label: connection.label,
        connection,
        openedAtMs: now,
        sent: 0,
        replies: 0,
        timeouts: 0,
        failures: 0,
        rttSumMs: 0,
        rttMaxMs: 0,
        inFlight: 0,
        carried: 0,
        nextSendAtMs: now,
        nextPingAtMs: now,
        pingsSent: 0,
        pongs: 0,
        drops: 0,
        reconnections: 0,
        lastDropCode: 0,
        activeMs: 0,
        upSinceMs: now,
        // Golden-ratio phases spread sends over one interval, so paced
        // connections never fire in lockstep bursts the client itself caused.
        phase: (index * GOLDEN) % 1
      }
      bind(slot, connection)
      slots.push(slot)
      watch(slot, connection)
      return 'opened'
    } catch (error) {
      // Cut by the deadline is not a refusal by the service.
      if (signal.aborted) return 'cut'
      // Running out of descriptors is this process's limit: it must not
      // count as the service refusing (nor feed a step's error rate).
      if (isFdExhausted(error)) {
        totals.fdFailures++
        firstFdError ??= error
        return 'fd'
      }
      totals.openFailures++
      firstOpenError ??= error
      return 'failed'
    }
  }

  async function grow(
    total: number,
    onOpened?: (open: number) => void,
    untilMs = Infinity
  ): Promise<GrowResult> {
    const result: GrowResult = {
      open: 0,
      attempted: 0,
      failed: 0,
      fdFailed: 0,
      fdExhausted: false,
      outOfTime: false
    }
    stopMetering()
    const startMs = clock.nowMs()
    const pending = new Set<Promise<void>>()
    let consecutiveFailures = 0
    let started = 0
    let stop = false
    const wanted = Math.max(0, total - slots.length)
    while (!stop && started < wanted && !signal.aborted && clock.nowMs() < untilMs) {
      // Token bucket: at most openRatePerSec per second since growing began.
      const allowed = Math.floor(((clock.nowMs() - startMs) * options.openRatePerSec) / 1000) + 1
      let batch = Math.min(allowed - started, wanted - started, MAX_PENDING_OPENS - pending.size)
      while (batch-- > 0) {
        const index = nextIndex++
        started++
        result.attempted++
        const attempt: Promise<void> = openOne(index).then((outcome) => {
          pending.delete(attempt)
          if (outcome === 'opened') {
            consecutiveFailures = 0
            onOpened?.(slots.length)
            return
          }
          if (outcome === 'cut') return
          if (outcome === 'fd') {
            result.fdFailed++
            result.fdExhausted = true
            stop = true
            return
          }
          result.failed++
          consecutiveFailures++
          if (consecutiveFailures >= MAX_CONSECUTIVE_OPEN_FAILURES) stop = true
        })
        pending.add(attempt)
      }
      try {
        await clock.sleep(TICK_MS, signal)
      } catch {
        break
      }
    }
    result.outOfTime = !stop && started < wanted && !signal.aborted
    // Bounded: each attempt settles within the handshake timeout or at abort.
    await Promise.all(pending)
    result.open = openCount()
    return result
  }

  async function drive(untilMs: number, onTick?: () => void): Promise<void> {
    driving = true
    const startMs = clock.nowMs()
    if (Number.isNaN(meterFromMs)) meterFromMs = startMs
    // Sends that fell due while the pool was idle (growing) would fire as one
    // burst; re-phase them from now instead.
    for (const slot of slots) {
      if (options.pacing === 'open-loop') {
        slot.schedule = schedule(startMs + slot.phase * options.intervalMs)
      }
      if (slot.nextSendAtMs < startMs) slot.nextSendAtMs = startMs + slot.phase * options.intervalMs
      if (slot.nextPingAtMs < startMs) {
        slot.nextPingAtMs = startMs + slot.phase * options.heartbeatIntervalMs
      }
    }
    try {
      while (!signal.aborted && clock.nowMs() < untilMs) {
        const now = clock.nowMs()
        for (let i = 0; i < slots.length; i++) serve(slots[i], now)
        onTick?.()
        try {
          await clock.sleep(Math.min(TICK_MS, Math.max(0, untilMs - now)), signal)
        } catch {
          break
        }
      }
    } finally {
      driving = false
    }
  }

  function inFlight(): number {
    let total = 0
    for (const slot of slots) if (slot.connection?.readyState === 'OPEN') total += slot.inFlight
    return total
  }

  async function settle(untilMs: number): Promise<void> {
    try {
      while (!signal.aborted && inFlight() > 0 && clock.nowMs() < untilMs) {
        try {
          await clock.sleep(TICK_MS, signal)
        } catch {
          break
        }
      }
    } finally {
      // Settle replies count in the slots' throughput, so their wait counts in its time.
      stopMetering()
    }
  }

  async function closeAll(): Promise<void> {
    stopMetering()
    if (healing !== undefined) await awaitReopenings(healing.healWithinMs)
    closing = true
    driving = false
    await Promise.all(
      slots.map((slot) => (slot.connection ? closeQuietly(slot.connection) : undefined))
    )
  }

  /**
   * Under healing: waits (at most `withinMs`) for reopenings still under
   * way, then settles the heal figures. A slot reopened in time whose
   * probes since are all still in flight (none failed or timed out) counts
   * as healed: the drive ended before it could answer; one that failed does not.
   */
  async function awaitReopenings(withinMs: number): Promise<void> {
    const giveUpAtMs = clock.nowMs() + withinMs
    // Bounded in time by giveUpAtMs and in count by the reconnect limit per slot.
    for (let i = 0; i < 1_000 && reopening.size > 0 && !signal.aborted; i++) {
      const left = giveUpAtMs - clock.nowMs()
      if (left <= 0) break
      const waiting = new AbortController()
      await Promise.race([
        Promise.all(reopening),
        clock.sleep(left, waiting.signal).catch(() => undefined)
      ])
      waiting.abort()
    }
    if (heal === undefined) return
    heal.pendingAtClose = reopening.size
    for (const [slot, sentAtReopen] of awaitingServe) {
      const open = slot.connection?.readyState === 'OPEN'
      if (open && slot.sent - sentAtReopen <= slot.inFlight) heal.healed++
    }
    awaitingServe.clear()
  }

  return pool
}
