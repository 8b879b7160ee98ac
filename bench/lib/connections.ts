/**
 * Benchmark (c): how fast connections open and how many one process holds,
 * with the heap each costs. The same loop opens bare `ws` sockets (the
 * baseline) or instrumented connections sharing one run recorder, as the
 * concurrency suite does. Heap is measured after a full GC before and
 * after, so run it in a child process started with --expose-gc.
 */
import { readFileSync } from 'node:fs'
import type WebSocket from 'ws'
import type { Connection } from '../../src/client/types.js'
import { clientContext, openBare } from './echo-loops.js'
import { createConnection } from '../../src/client/connection.js'
import { systemClock } from '../../src/metrics/clock.js'

export type ConnectionKind = 'bare' | 'client'

export interface HoldOptions {
  kind: ConnectionKind
  url: string
  /** Connections to open (already bounded by the caller's fd budget). */
  target: number
  /** Handshakes in flight at once. */
  window: number
  /** Whole run deadline in ms; opening stops when it passes. */
  deadlineMs: number
}

export interface HoldResult {
  kind: ConnectionKind
  target: number
  /** Connections open at the same time at the peak. */
  held: number
  failures: number
  firstError: string | null
  openMs: number
  opensPerSec: number
  /** heapUsed after minus before (after GC), per held connection, in bytes; null without --expose-gc. */
  heapBytesPerConnection: number | null
}

/** Soft RLIMIT_NOFILE from /proc/self/limits; `fallback` when unreadable. */
export function readFdSoftLimit(fallback = 1024, path = '/proc/self/limits'): number {
  try {
    const match = /^Max open files\s+(\S+)/m.exec(readFileSync(path, 'utf8'))
    if (match) return match[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(match[1])
  } catch {
    // Not Linux: use the fallback.
  }
  return fallback
}

/** Connections one process may open: the fd limit minus 10 % and 256 for everything else, capped. */
export function connectionBudget(fdLimit: number, cap: number): number {
  return Math.max(0, Math.min(cap, Math.floor(fdLimit * 0.9) - 256))
}

function gcHeap(): number | null {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) return null
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

/** Opens up to `target` connections (window at a time), measures, then closes them all. */
export async function holdConnections(options: HoldOptions): Promise<HoldResult> {
  const { kind, url, target, window, deadlineMs } = options
  if (!Number.isInteger(target) || target < 1) {
    throw new RangeError(`target: got ${target}; expected an integer >= 1`)
  }
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(`window: got ${window}; expected an integer >= 1`)
  }
  const ctx = clientContext()
  const bare: WebSocket[] = []
  const clients: Connection[] = []
  let failures = 0
  let firstError: string | null = null
  let started = 0
  const heapBefore = gcHeap()
  const start = performance.now()
  const stopAt = start + deadlineMs

  async function lane(): Promise<void> {
    while (started < target && performance.now() < stopAt && failures < 100) {
      started++
      try {
        if (kind === 'bare') bare.push(await openBare(url))
        else
          clients.push(
            await createConnection({
              ...ctx.timeouts,
              url,
              clock: systemClock,
              protocol: ctx.protocol,
              recorder: ctx.recorder
            })
          )
      } catch (error) {
        failures++
        firstError ??= error instanceof Error ? error.message : String(error)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(window, target) }, lane))
  const openMs = performance.now() - start
  const held = kind === 'bare' ? bare.length : clients.length
  const heapAfter = gcHeap()
  const heapBytesPerConnection =
    heapBefore === null || heapAfter === null || held === 0 ? null : (heapAfter - heapBefore) / held
  await closeAll(bare, clients)
  return {
    kind,
    target,
    held,
    failures,
    firstError,
    openMs,
    opensPerSec: held / (openMs / 1000),
    heapBytesPerConnection
  }
}

async function closeAll(bare: WebSocket[], clients: Connection[]): Promise<void> {
  const closing: Promise<unknown>[] = []
  for (const ws of bare) {
    closing.push(new Promise((resolve) => ws.once('close', resolve)))
    ws.terminate()
  }
  for (const conn of clients) {
    closing.push(conn.closed)
    conn.terminate()
  }
  // Bounded: terminate destroys the socket, so close follows within a tick or two.
  await Promise.race([
    Promise.all(closing),
    new Promise((resolve) => setTimeout(resolve, 10_000).unref())
  ])
}
