/**
 * The echo workloads of benchmarks (a), (b) and (f): the same 64-byte text
 * message bounced off the same server, once through a bare `ws` socket (the
 * baseline: one preallocated buffer, one callback per message) and once
 * through the instrumented client's probe() with a run recorder attached,
 * as suites use it. Both are timed from outside with performance.now().
 * Every loop is bounded by a message count and a deadline.
 */
import WebSocket from 'ws'
import { connectionTimeouts, createConnection } from '../../src/client/connection.js'
import { createProbeProtocol } from '../../src/client/protocol.js'
import { ConfigSchema } from '../../src/config/schema.js'
import type { Connection } from '../../src/client/types.js'
import { systemClock } from '../../src/metrics/clock.js'
import { createRunRecorder, type RunRecorder } from '../../src/metrics/run-recorder.js'

/** Probe size the suites use by default (DEFAULT_PAYLOAD_BYTES.text). */
export const ECHO_PAYLOAD_BYTES = 64
const SEND_TEXT = { binary: false } as const

export interface LoopLimits {
  /** Timed messages. */
  messages: number
  /** Untimed messages sent first (JIT warm-up). */
  warmup?: number
  /** Whole loop deadline in ms; the loop rejects when it passes. */
  deadlineMs: number
}

export interface ThroughputResult {
  messages: number
  elapsedMs: number
  msgsPerSec: number
  /** This process's user+sys CPU per message in µs (less sensitive to a busy machine than msgs/s). */
  cpuMicrosPerMsg: number
}

function cpuMicros(since?: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since)
  return u.user + u.system
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name}: got ${value}; expected an integer >= ${min}`)
  }
}

/** The text message both loops send: `wsh:0:` then `a` up to 64 bytes (an echo-protocol probe). */
export function echoPayload(bytes = ECHO_PAYLOAD_BYTES): Buffer {
  const data = Buffer.alloc(bytes, 0x61)
  data.write('wsh:0:', 0, 'latin1')
  return data
}

/** Opens a bare `ws` socket (no instrumentation); rejects after `timeoutMs`. */
export function openBare(url: string, timeoutMs = 10_000): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { handshakeTimeout: timeoutMs })
    ws.once('open', () => {
      ws.off('error', reject)
      resolve(ws)
    })
    ws.once('error', reject)
  })
}

/** Closes a bare socket and waits for CLOSED (terminates after 2 s). */
export function closeBare(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => ws.terminate(), 2_000)
    ws.once('close', () => {
      clearTimeout(timer)
      resolve()
    })
    ws.close(1000)
  })
}

/** A run recorder and echo protocol as the engine binds them. */
export function clientContext(): {
  recorder: RunRecorder
  protocol: ReturnType<typeof createProbeProtocol>
  /** A default run's connection timeouts (the client has no defaults of its own). */
  timeouts: ReturnType<typeof connectionTimeouts>
} {
  return {
    recorder: createRunRecorder(systemClock),
    timeouts: connectionTimeouts(ConfigSchema.parse({})),
    protocol: createProbeProtocol({
      protocol: 'echo',
      largePayloadBytes: 1024 * 1024,
      json: {
        template: '{"type":"ping","id":"{{id}}"}',
        matchField: 'type',
        matchValue: 'pong',
        idField: 'id'
      }
    })
  }
}

/** Opens an instrumented connection recording into `recorder`. */
export function openClient(url: string, recorder?: RunRecorder): Promise<Connection> {
  const ctx = clientContext()
  return createConnection({
    ...ctx.timeouts,
    url,
    clock: systemClock,
    protocol: ctx.protocol,
    recorder: recorder ?? ctx.recorder
  })
}

/** Round trips (ms) of a bare `ws` ping-pong loop: send, wait for the echo, repeat. */
export function bareLatency(ws: WebSocket, limits: LoopLimits): Promise<Float64Array> {
  const warmup = limits.warmup ?? 0
  checkCount('messages', limits.messages, 1)
  checkCount('warmup', warmup, 0)
  const payload = echoPayload()
  const rtts = new Float64Array(limits.messages)
  return new Promise((resolve, reject) => {
    let i = -warmup
    let t0 = 0
    const deadline = setTimeout(
      () => finish(new Error(`bare latency loop: deadline at ${i}`)),
      limits.deadlineMs
    )
    function onMessage(): void {
      const t = performance.now()
      if (i >= 0) rtts[i] = t - t0
      i++
      if (i === limits.messages) {
        finish()
        return
      }
      t0 = performance.now()
      ws.send(payload, SEND_TEXT)
    }
    function finish(error?: Error): void {
      clearTimeout(deadline)
      ws.off('message', onMessage)
      if (error) reject(error)
      else resolve(rtts)
    }
    ws.on('message', onMessage)
    t0 = performance.now()
    ws.send(payload, SEND_TEXT)
  })
}

/** Round trips (ms) of sequential probe() calls on an instrumented connection, timed around each await. */
export async function clientLatency(conn: Connection, limits: LoopLimits): Promise<Float64Array> {
  const warmup = limits.warmup ?? 0
  checkCount('messages', limits.messages, 1)
  checkCount('warmup', warmup, 0)
  const rtts = new Float64Array(limits.messages)
  const stopAt = performance.now() + limits.deadlineMs
  for (let i = -warmup; i < limits.messages; i++) {
    const t0 = performance.now()
    await conn.probe()
    const t = performance.now()
    if (i >= 0) rtts[i] = t - t0
    if (t > stopAt) throw new Error(`client latency loop: deadline at ${i}`)
  }
  return rtts
}

/** Pipelined bare `ws` echo: keeps `window` messages in flight until `messages` replies arrive. */
export function bareThroughput(
  ws: WebSocket,
  window: number,
  limits: LoopLimits
): Promise<ThroughputResult> {
  checkCount('window', window, 1)
  checkCount('messages', limits.messages, 1)
  const payload = echoPayload()
  const total = limits.messages
  return new Promise((resolve, reject) => {
    let sent = 0
    let received = 0
    const cpu = process.cpuUsage()
    const start = performance.now()
    const deadline = setTimeout(
      () => finish(new Error(`bare throughput loop: deadline at ${received}`)),
      limits.deadlineMs
    )
    function onMessage(): void {
      received++
      if (received === total) {
        finish()
        return
      }
      if (sent < total) {
        sent++
        ws.send(payload, SEND_TEXT)
      }
    }
    function finish(error?: Error): void {
      const elapsedMs = performance.now() - start
      clearTimeout(deadline)
      ws.off('message', onMessage)
      if (error) reject(error)
      else
        resolve({
          messages: total,
          elapsedMs,
          msgsPerSec: total / (elapsedMs / 1000),
          cpuMicrosPerMsg: cpuMicros(cpu) / total
        })
    }
    ws.on('message', onMessage)
    for (; sent < Math.min(window, total);) {
      sent++
      ws.send(payload, SEND_TEXT)
    }
  })
}

/** Pipelined probes: `window` loops each await probe() until `messages` replies in total. */
export async function clientThroughput(
  conn: Connection,
  window: number,
  limits: LoopLimits
): Promise<ThroughputResult> {
  checkCount('window', window, 1)
  checkCount('messages', limits.messages, 1)
  const total = limits.messages
  // A timer flips a flag, as the bare loop's timer does: no clock read per message.
  let late = false
  const deadline = setTimeout(() => (late = true), limits.deadlineMs)
  let started = 0
  const cpu = process.cpuUsage()
  const start = performance.now()
  async function lane(): Promise<void> {
    while (started < total) {
      started++
      await conn.probe()
      if (late) throw new Error('client throughput loop: deadline')
    }
  }
  const lanes: Promise<void>[] = []
  for (let i = 0; i < Math.min(window, total); i++) lanes.push(lane())
  try {
    await Promise.all(lanes)
  } finally {
    clearTimeout(deadline)
  }
  const elapsedMs = performance.now() - start
  return {
    messages: total,
    elapsedMs,
    msgsPerSec: total / (elapsedMs / 1000),
    cpuMicrosPerMsg: cpuMicros(cpu) / total
  }
}

/**
 * Benchmark (f)'s workload for our client: `connections` connections each
 * send `messagesPerConnection` probes one after another (send, await the
 * echo), all connections at once, as Artillery's vusers do.
 */
export async function clientEchoWorkload(
  url: string,
  connections: number,
  messagesPerConnection: number,
  deadlineMs: number
): Promise<ThroughputResult & { opened: number }> {
  checkCount('connections', connections, 1)
  checkCount('messagesPerConnection', messagesPerConnection, 0)
  const { recorder } = clientContext()
  let late = false
  const deadline = setTimeout(() => (late = true), deadlineMs)
  const cpu = process.cpuUsage()
  const start = performance.now()
  const conns = await Promise.all(
    Array.from({ length: connections }, () => openClient(url, recorder))
  )
  try {
    await Promise.all(
      conns.map(async (conn) => {
        for (let i = 0; i < messagesPerConnection; i++) {
          await conn.probe()
          if (late) throw new Error('client echo workload: deadline')
        }
      })
    )
  } finally {
    clearTimeout(deadline)
  }
  const elapsedMs = performance.now() - start
  await Promise.all(conns.map((conn) => conn.close()))
  const messages = connections * messagesPerConnection
  return {
    messages,
    elapsedMs,
    msgsPerSec: messages / (elapsedMs / 1000),
    cpuMicrosPerMsg: cpuMicros(cpu) / Math.max(1, messages),
    opened: conns.length
  }
}
