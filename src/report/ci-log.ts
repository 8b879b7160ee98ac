/**
 * The live log of a run outside a terminal (a CI job, a pipe), as k6 prints
 * in CI: a group per suite (`::group::<suite>` in GitHub Actions, a heading
 * line elsewhere) closed by the suite's result, and a progress line every
 * 10 s with the elapsed and planned time, probes sent, p95 and errors so
 * far. It formats what the run's progress hooks hand it and never measures.
 */
import type { SuiteResult } from '../engine/model.js'
import type { Clock } from '../metrics/clock.js'
import type { LiveFigures } from '../metrics/run-recorder.js'
import { STATUS_ICONS, formatDuration, formatMs, formatNumber, statusLabel } from './format.js'

/** What the log is told as the run moves; mirrors RunProgress from src/run/run.ts. */
export interface LiveProgress {
  suite: string
  index: number
  count: number
  done: number
  total: number
  note?: string
  figures?(): LiveFigures
}

export interface CiLogOptions {
  /** Writes one line of the log (no trailing newline). */
  writeLine(text: string): void
  /** GitHub Actions workflow commands (`::group::`) instead of plain headings. */
  github: boolean
  clock: Clock
  /** The run's planned sampling time (ms), the "total" of each progress line. */
  plannedMs: number
  /** Period of the progress line (ms); tests shorten it. */
  intervalMs?: number
}

/** k6 prints its CI progress every 10 s: often enough to show life, rare enough to read. */
export const CI_PROGRESS_INTERVAL_MS = 10_000

export interface CiLog {
  /** RunDeps.onProgress: opens the suite's group when the run enters a new suite. */
  update(progress: LiveProgress): void
  /** RunDeps.onSuiteEnd: the suite's result line, then its group closes. */
  suiteEnd(result: SuiteResult): void
  /** Closes an open group and stops the progress timer; safe to call twice. */
  stop(): void
}

/** `⏱ 10 s/1 min · [2/6] message-delivery 2/3 ordering · probes 1234 · p95 3.2 ms · errors 0`. */
export function ciProgressText(
  progress: LiveProgress | undefined,
  elapsedMs: number,
  plannedMs: number
): string {
  const time = `⏱ ${formatDuration(elapsedMs)}/${formatDuration(plannedMs)}`
  if (!progress) return `${time} · starting`
  const steps =
    progress.total > 1
      ? ` ${formatNumber(progress.done, 0)}/${formatNumber(progress.total, 0)}`
      : ''
  const note = progress.note ? ` ${progress.note}` : ''
  const where = `[${progress.index}/${progress.count}] ${progress.suite}${steps}${note}`
  const figures = progress.figures?.()
  if (!figures) return `${time} · ${where}`
  return `${time} · ${where} · probes ${figures.probes} · p95 ${formatMs(figures.p95LatencyMs)} · errors ${figures.errors}`
}

/** `✅ connection-lifecycle: PASSED in 2.1 s (6 passed, 1 skipped)`. */
export function suiteResultLine(result: SuiteResult): string {
  const counts = new Map<string, number>()
  for (const check of result.checks) counts.set(check.status, (counts.get(check.status) ?? 0) + 1)
  const tally = [...counts].map(([status, count]) => `${count} ${status}`).join(', ')
  return `${STATUS_ICONS[result.status]} ${result.id}: ${statusLabel(result.status)} in ${formatDuration(result.durationMs)} (${tally || 'no checks'})`
}

/** Starts the live log; its progress timer never keeps the process alive. */
export function createCiLog(options: CiLogOptions): CiLog {
  const intervalMs = options.intervalMs ?? CI_PROGRESS_INTERVAL_MS
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs: got ${intervalMs}; expected > 0`)
  const { writeLine, github, clock, plannedMs } = options
  const startMs = clock.nowMs()
  const ended = new Set<string>()
  let latest: LiveProgress | undefined
  let openGroup: string | undefined
  let stopped = false

  function closeGroup(): void {
    if (openGroup === undefined) return
    if (github) writeLine('::endgroup::')
    openGroup = undefined
  }
  function openGroupFor(progress: LiveProgress): void {
    closeGroup()
    openGroup = progress.suite
    // A suite that already ended and reports again (message-delivery's
    // protocol-violation probes run after every suite) says what it does now.
    const again = ended.has(progress.suite) && progress.note ? ` (${progress.note})` : ''
    const title = `${progress.suite}${again}`
    const position = progress.index > 0 ? ` [${progress.index}/${progress.count}]` : ''
    writeLine(github ? `::group::${title}` : `── ${title}${position}`)
  }

  const timer = setInterval(() => {
    if (!stopped) writeLine(ciProgressText(latest, clock.nowMs() - startMs, plannedMs))
  }, intervalMs)
  timer.unref()

  return {
    update(progress) {
      if (stopped) return
      latest = progress
      if (openGroup !== progress.suite) openGroupFor(progress)
    },
    suiteEnd(result) {
      if (stopped) return
      ended.add(result.id)
      // A suite cut before it reported progress still gets its group (position unknown).
      if (openGroup !== result.id) {
        openGroupFor({ suite: result.id, index: 0, count: 0, done: 0, total: 1 })
      }
      writeLine(suiteResultLine(result))
      closeGroup()
    },
    stop() {
      if (stopped) return
      stopped = true
      clearInterval(timer)
      closeGroup()
    }
  }
}
