/**
 * The process's file-descriptor budget. `ulimit -n` is a shell builtin, not
 * something a process can call, so on Linux the soft limit is read from
 * /proc/self/limits and the descriptors already in use from /proc/self/fd;
 * elsewhere a conservative default stands in. Stress mode never plans more
 * connections than this budget allows, and handles EMFILE when it is wrong.
 */
import { readdirSync, readFileSync } from 'node:fs'

/** Used when the limit cannot be read (macOS' default soft limit is 256; Windows has no such file). */
export const FALLBACK_FD_LIMIT = 256
/** Descriptors kept free for the runtime, report files, DNS and the service itself when it runs in-process. */
export const FD_HEADROOM = 64
/** Share of the remaining descriptors kept free as well, so a large limit still leaves slack. */
export const FD_HEADROOM_SHARE = 0.1

export interface FdLimit {
  /** Soft limit on open descriptors (RLIMIT_NOFILE). */
  soft: number
  /** Descriptors open now (0 when unknown). */
  inUse: number
  /** Where `soft` came from. */
  source: 'proc' | 'fallback'
}

/** Reads the soft RLIMIT_NOFILE and the descriptors in use; never throws. */
export function readFdLimit(limitsPath = '/proc/self/limits', fdDir = '/proc/self/fd'): FdLimit {
  let soft: number | undefined
  try {
    const text = readFileSync(limitsPath, 'utf8')
    // "Max open files            20000                20000                files"
    const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text)
    if (match) soft = match[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(match[1])
  } catch {
    soft = undefined
  }
  if (soft === undefined || !Number.isFinite(soft) || soft < 1) {
    return { soft: FALLBACK_FD_LIMIT, inUse: 0, source: 'fallback' }
  }
  let inUse = 0
  try {
    inUse = readdirSync(fdDir).length
  } catch {
    inUse = 0
  }
  return { soft, inUse, source: 'proc' }
}

/**
 * Connections the process can still open: free descriptors minus headroom,
 * divided by descriptors per connection (1 for a remote service, 2 when the
 * service runs in this process and each connection also costs an accepted
 * socket).
 */
export function connectionBudget(limit: FdLimit, descriptorsPerConnection = 1): number {
  if (!Number.isInteger(descriptorsPerConnection) || descriptorsPerConnection < 1) {
    throw new RangeError(
      `descriptorsPerConnection: got ${descriptorsPerConnection}; expected an integer >= 1`
    )
  }
  const free = Math.max(0, limit.soft - limit.inUse)
  const usable = free - FD_HEADROOM - Math.floor(free * FD_HEADROOM_SHARE)
  return Math.max(0, Math.floor(usable / descriptorsPerConnection))
}

/** Whether a thrown value says the process (EMFILE) or the system (ENFILE) ran out of descriptors. */
export function isFdExhausted(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as NodeJS.ErrnoException).code
    if (code === 'EMFILE' || code === 'ENFILE') return true
    const message = current instanceof Error ? current.message : String(current)
    if (/\bE[MN]FILE\b/.test(message)) return true
    current = (current as { cause?: unknown }).cause
  }
  return false
}
