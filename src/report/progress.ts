/**
 * The CLI's progress line: one line on stderr, rewritten in place with `\r`,
 * shown only on a terminal and only once a run has taken a few seconds (a
 * quick run prints nothing extra). Nothing depends on it.
 */
import type { Clock } from '../metrics/clock.js'
import { formatDuration, formatNumber } from '../format/figures.js'

/** What the line shows; mirrors RunProgress from src/run/run.ts. */
export interface ProgressState {
  suite: string
  index: number
  count: number
  done: number
  total: number
  note?: string
}

export interface ProgressStream {
  isTTY?: boolean
  write(text: string): unknown
}

export interface ProgressLineOptions {
  clock: Clock
  /** Nothing is shown before the run has taken this long (ms). */
  delayMs?: number
  /** Redraw period (ms): the line is rewritten at most this often, however fast suites report. */
  intervalMs?: number
}

export const PROGRESS_DEFAULTS = { delayMs: 3000, intervalMs: 500 } as const

export interface ProgressLine {
  update(state: ProgressState): void
  /** Erases the line and stops redrawing; safe to call twice. */
  stop(): void
}

const NOOP_LINE: ProgressLine = { update: () => undefined, stop: () => undefined }
const CLEAR_LINE = '\r\u001b[K'

/**
 * Where the run is: `[2/6] message-delivery 2/3 ordering`, the same on the
 * progress line and in the CI log.
 */
export function progressPlace(state: ProgressState): string {
  // Suites may count in fractional units (ms of a sampling budget): show whole steps.
  const steps =
    state.total > 1 ? ` ${formatNumber(state.done, 0)}/${formatNumber(state.total, 0)}` : ''
  const note = state.note ? ` ${state.note}` : ''
  return `[${state.index}/${state.count}] ${state.suite}${steps}${note}`
}

/** The text of one progress line (no control characters). */
export function progressText(state: ProgressState | undefined, elapsedMs: number): string {
  const elapsed = formatDuration(elapsedMs)
  if (!state) return `⏳ starting · ${elapsed}`
  return `⏳ ${progressPlace(state)} · ${elapsed}`
}

/** A progress line on `stream`, or a no-op when it is not a terminal. */
export function createProgressLine(
  stream: ProgressStream,
  options: ProgressLineOptions
): ProgressLine {
  if (!stream.isTTY) return NOOP_LINE
  const delayMs = options.delayMs ?? PROGRESS_DEFAULTS.delayMs
  const intervalMs = options.intervalMs ?? PROGRESS_DEFAULTS.intervalMs
  if (!(delayMs >= 0)) throw new RangeError(`delayMs: got ${delayMs}; expected >= 0`)
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs: got ${intervalMs}; expected > 0`)
  const { clock } = options
  const startMs = clock.nowMs()
  let state: ProgressState | undefined
  let shown = false
  let stopped = false
  let lastDrawMs = Number.NEGATIVE_INFINITY

  function draw(): void {
    const nowMs = clock.nowMs()
    const elapsedMs = nowMs - startMs
    if (stopped || elapsedMs < delayMs || nowMs - lastDrawMs < intervalMs) return
    shown = true
    lastDrawMs = nowMs
    stream.write(`${CLEAR_LINE}${progressText(state, elapsedMs)}`)
  }
  const timer = setInterval(draw, intervalMs)
  // A progress line must never keep the process alive.
  timer.unref()

  return {
    update(next) {
      state = next
      draw()
    },
    stop() {
      if (stopped) return
      stopped = true
      clearInterval(timer)
      if (shown) stream.write(CLEAR_LINE)
    }
  }
}
