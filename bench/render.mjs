// Turns bench results into rows (each a ratio against a baseline measured in
// the same run) and the markdown table written into BENCHMARKS.md. A goal is
// `met`, `not met`, or `n/a` with the reason (never met by default).

/** The goals of issue 10, (a), (b) and (c) raised by issue 16. */
export const goals = {
  p50OverheadMax: 1.1,
  p99OverheadMax: 1.25,
  throughputMinRatio: 0.9,
  openRateMinRatio: 0.9,
  concurrentMin: 10_000,
  heapPerConnectionMaxRatio: 1.5,
  reportMaxMs: 250,
  peerThroughputMinRatio: 2,
  peerCpuMaxRatio: 0.5,
  // Issue 16 (g): the open-loop schedule keeps its rate and sends on time.
  openLoopRateTolerance: 0.02,
  openLoopLatenessP99MaxMs: 1,
  /** Issue 17: peak RSS against a hostile service (20 connections), bytes. */
  hostilePeakRssMaxBytes: 400 * 1024 * 1024,
  /** Issue 18: spawn to first connection, against spawning `node -e 0` to its exit. */
  coldStartMaxRatio: 2
}

const MIB = 1024 * 1024

const ratio = (ours, base) =>
  typeof ours === 'number' && typeof base === 'number' && base > 0 ? ours / base : null

function row(id, benchmark, metric, ours, baseline, baselineName, unit, goal, met, note = '') {
  return {
    id,
    benchmark,
    metric,
    ours,
    baseline,
    baselineName,
    unit,
    ratio: ratio(ours, baseline),
    goal,
    met,
    note
  }
}

function failed(id, benchmark, error) {
  return row(id, benchmark, 'not measured', null, null, '', '', '', null, error)
}

/** Rows for every benchmark that ran (or failed, with its error). */
export function rowsFromResults(results) {
  const rows = []
  const err = results.errors ?? {}
  const a = results['a-latency']
  if (a) {
    const r50 = ratio(a.client.p50, a.bare.p50)
    const r99 = ratio(a.client.p99, a.bare.p99)
    rows.push(
      row(
        'a.p50',
        '(a) RTT, 1 connection',
        'p50 round trip',
        a.client.p50,
        a.bare.p50,
        'bare ws ping-pong',
        'ms',
        `<= ${goals.p50OverheadMax}x`,
        r50 === null ? null : r50 <= goals.p50OverheadMax,
        `${a.client.count} timed round trips each`
      ),
      row(
        'a.p99',
        '(a) RTT, 1 connection',
        'p99 round trip',
        a.client.p99,
        a.bare.p99,
        'bare ws ping-pong',
        'ms',
        `<= ${goals.p99OverheadMax}x`,
        r99 === null ? null : r99 <= goals.p99OverheadMax,
        ''
      )
    )
  } else if (err['a-latency']) rows.push(failed('a', '(a) RTT', err['a-latency']))

  const b = results['b-throughput']
  if (b) {
    for (const t of b) {
      // Paired: each round runs both loops back to back; the median of the per-round ratios.
      const r = t.ratio ?? ratio(t.clientMsgsPerSec, t.bareMsgsPerSec)
      const cpu = ratio(t.clientCpuMicrosPerMsg, t.bareCpuMicrosPerMsg)
      const tr = row(
        `b.w${t.window}`,
        '(b) pipelined throughput',
        `msgs/s, ${t.window} in flight`,
        t.clientMsgsPerSec,
        t.bareMsgsPerSec,
        'bare ws, same window',
        'msg/s',
        `>= ${goals.throughputMinRatio}x`,
        r === null ? null : r >= goals.throughputMinRatio,
        `median of ${t.client.length} paired rounds; client CPU ${fmt(t.clientCpuMicrosPerMsg)} µs/msg vs ${fmt(t.bareCpuMicrosPerMsg)} (${cpu === null ? '-' : cpu.toFixed(2)}x)`
      )
      tr.ratio = r
      rows.push(tr)
    }
    rows.push(...lagRows(b))
  } else if (err['b-throughput']) rows.push(failed('b', '(b) throughput', err['b-throughput']))

  const c = results['c-connections']
  if (c) {
    const enough = c.budget >= goals.concurrentMin
    const heldOk = c.client.held >= goals.concurrentMin
    const rateRatio = ratio(c.client.opensPerSec, c.bare.opensPerSec)
    const heapRatio = ratio(c.client.heapBytesPerConnection, c.bare.heapBytesPerConnection)
    rows.push(
      row(
        'c.rate',
        '(c) connections',
        'opened per second',
        c.client.opensPerSec,
        c.bare.opensPerSec,
        'bare ws',
        'conn/s',
        `>= ${goals.openRateMinRatio}x`,
        rateRatio === null ? null : rateRatio >= goals.openRateMinRatio,
        `${c.client.target} handshakes, window ${results.plan?.hold?.window}; ${c.client.rounds?.length ?? 1} alternating rounds, lower median`
      ),
      row(
        'c.held',
        '(c) connections',
        'held at once in one process',
        c.client.held,
        c.bare.held,
        'bare ws',
        'conn',
        `>= ${goals.concurrentMin}`,
        enough ? heldOk : heldOk ? true : null,
        enough
          ? `target ${c.budget} (fd limit ${c.fdLimit}, cap ${c.cap})${c.client.failures ? `; ${c.client.failures} failed: ${c.client.firstError}` : ''}`
          : `fd limit ${c.fdLimit} allows only ${c.budget}: goal n/a`
      ),
      row(
        'c.heap',
        '(c) connections',
        'heap per connection',
        c.client.heapBytesPerConnection,
        c.bare.heapBytesPerConnection,
        'bare ws',
        'bytes',
        `<= ${goals.heapPerConnectionMaxRatio}x`,
        heapRatio === null ? null : heapRatio <= goals.heapPerConnectionMaxRatio,
        'heapUsed delta after gc() / held'
      )
    )
  } else if (err['c-connections']) rows.push(failed('c', '(c) connections', err['c-connections']))

  const d = results['d-report']
  if (d) {
    rows.push(
      row(
        'd.report',
        '(d) report for 10^6 samples',
        'run metrics + health score + histograms',
        d.reportMs,
        d.sortMs,
        'one Float64Array sort',
        'ms',
        `< ${goals.reportMaxMs} ms`,
        d.reportMs < goals.reportMaxMs,
        `median of ${d.repeats}; toRunMetrics + healthScore ${fmt(d.metricsMs)} ms, runHistograms ${fmt(d.histogramsMs)} ms, summarize() alone ${fmt(d.summarizeMs)} ms`
      )
    )
  } else if (err['d-report']) rows.push(failed('d', '(d) report', err['d-report']))

  const e = results['e-coldstart']
  if (e) {
    const entries = [
      ['e.cli', 'spawn `dist/cli.js run` to first connection', e.cli],
      ['e.action', 'spawn `dist/index.js` (INPUT_*) to first connection', e.action]
    ]
    for (const [id, metric, s] of entries) {
      if (!s) continue
      const codes = s.exitCodes.join(',')
      const r = ratio(s.firstConnectionMs, e.nodeE0Ms)
      rows.push(
        row(
          id,
          '(e) cold start',
          metric,
          s.firstConnectionMs,
          e.nodeE0Ms,
          'spawn `node -e 0` to exit',
          'ms',
          `<= ${goals.coldStartMaxRatio}x`,
          r === null ? null : r <= goals.coldStartMaxRatio,
          s.firstConnectionMs === null
            ? `no connection seen; exit codes ${codes}: ${String(s.stderrTail).trim().slice(-160)}`
            : `median of ${s.exitCodes.length}; whole run ${fmt(s.exitMs)} ms, exit codes ${codes}`
        )
      )
    }
  } else if (err['e-coldstart']) rows.push(failed('e', '(e) cold start', err['e-coldstart']))

  const f = results['f-peer']
  if (f) {
    const art = f.artillery
    const tr = art ? ratio(f.ours.msgsPerSec, art.msgsPerSec) : null
    const cr = art ? ratio(f.ours.cpuMicrosPerMsg, art.cpuMicrosPerMsg) : null
    const note = art
      ? `${f.connections ?? '?'} connections, ${f.ours.messages} echoes; msgs/s over each tool's own span (first connect to last reply)`
      : `skipped: ${f.note}`
    rows.push(
      row(
        'f.rate',
        '(f) vs Artillery ws engine',
        'echo msgs/s',
        f.ours.msgsPerSec,
        art?.msgsPerSec ?? null,
        `artillery@2.0.21`,
        'msg/s',
        `>= ${goals.peerThroughputMinRatio}x`,
        tr === null ? null : tr >= goals.peerThroughputMinRatio,
        note
      ),
      row(
        'f.cpu',
        '(f) vs Artillery ws engine',
        'CPU per message',
        f.ours.cpuMicrosPerMsg,
        art?.cpuMicrosPerMsg ?? null,
        `artillery@2.0.21`,
        'µs',
        `<= ${goals.peerCpuMaxRatio}x`,
        cr === null ? null : cr <= goals.peerCpuMaxRatio,
        'user+sys (/usr/bin/time) minus a 1-message run of the same tool'
      )
    )
  } else if (err['f-peer']) rows.push(failed('f', '(f) vs Artillery', err['f-peer']))
  rows.push(...openLoopRows(results, err))
  rows.push(...memoryRows(results['i-memory'], err['i-memory']))
  return rows
}

/** (g): per target rate, the achieved rate (vs the target) and the send lateness p99. */
function openLoopRows(results, err) {
  const g = results['g-openloop']
  if (!g) return err['g-openloop'] ? [failed('g', '(g) open-loop schedule', err['g-openloop'])] : []
  const rows = []
  for (const t of g) {
    const r = ratio(t.achievedPerSec, t.targetPerSec)
    const target = fmt(t.targetPerSec)
    rows.push(
      row(
        `g.rate${t.targetPerSec}`,
        '(g) open-loop schedule',
        `achieved rate at ${target}/s`,
        t.achievedPerSec,
        t.targetPerSec,
        'target rate',
        'probe/s',
        `within ${goals.openLoopRateTolerance * 100} %`,
        r === null ? null : Math.abs(r - 1) <= goals.openLoopRateTolerance,
        `${t.sent} of ${t.scheduled} scheduled sent over ${t.runMs} ms, ${t.replies} answered, ${t.backlogged} backlogged; bare ws on the same schedule ${fmt(t.bare?.achievedPerSec)}/s`
      ),
      row(
        `g.late${t.targetPerSec}`,
        '(g) open-loop schedule',
        `send lateness p99 at ${target}/s`,
        t.latenessMs.p99,
        t.bare?.latenessMs.p99 ?? null,
        'bare ws, same schedule',
        'ms',
        `< ${goals.openLoopLatenessP99MaxMs} ms`,
        t.latenessMs.p99 < goals.openLoopLatenessP99MaxMs,
        `send time minus scheduled time; p50 ${fmt(t.latenessMs.p50)} ms, max ${fmt(t.latenessMs.max)} ms; latency from intended send p50 ${fmt(t.latencyMs.p50)} ms, p99 ${fmt(t.latencyMs.p99)} ms`
      )
    )
  }
  return rows
}

/**
 * (h) The event-loop lag p99 the tool's own monitor saw during each (b)
 * window, against the same monitor around the bare `ws` loop. No goal: it
 * says how late the tool runs at full load, the figure runs report as
 * metrics.tool.eventLoopLagMs.
 */
function lagRows(b) {
  return b
    .filter((t) => t.lagMs)
    .map((t) =>
      row(
        `h.w${t.window}`,
        '(h) tool event-loop lag during (b)',
        `lag p99, ${t.window} in flight`,
        t.lagMs.client.p99,
        t.lagMs.bare.p99,
        'bare ws loop, same monitor',
        'ms',
        '',
        null,
        `median of per-round p99 (monitorEventLoopDelay, 10 ms resolution); max ${fmt(t.lagMs.client.max)} ms vs ${fmt(t.lagMs.bare.max)} ms`
      )
    )
}

/** (i): peak RSS of a 20-connection run against each hostile service, the reference server as baseline. */
function memoryRows(i, error) {
  if (!i) return error ? [failed('i', '(i) memory, hostile services', error)] : []
  const services = [
    ['endless', 'endless fragmented message'],
    ['bomb', 'deflate bomb (122 KB -> 120 MiB)']
  ]
  return services.map(([kind, what]) => {
    const run = i[kind]
    const peak = run?.peakRssBytes ?? null
    return row(
      `i.${kind}`,
      '(i) memory, hostile services',
      `peak RSS, ${what}`,
      peak === null ? null : peak / MIB,
      i.reference?.peakRssBytes == null ? null : i.reference.peakRssBytes / MIB,
      'same run vs reference server',
      'MiB',
      `< ${goals.hostilePeakRssMaxBytes / MIB} MiB`,
      peak === null ? null : peak < goals.hostilePeakRssMaxBytes,
      `${i.connections} connections, compression on; run ${run?.status ?? '?'} (${run?.codes?.join(', ') || 'no failed check'})`
    )
  })
}

function fmt(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '-'
  const abs = Math.abs(value)
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US')
  if (abs >= 10) return value.toFixed(1)
  if (abs >= 0.1) return value.toFixed(3)
  return value.toFixed(4)
}

const verdict = (met) => (met === true ? '**met**' : met === false ? '**not met**' : 'n/a')

/** The markdown written between the markers in BENCHMARKS.md. */
export function renderTable(results) {
  const m = results.machine
  const lines = [
    `Last run: ${results.startedAt}, ${results.mode} mode, ${(results.durationMs / 1000).toFixed(1)} s. ` +
      `Machine: ${m.nproc} x ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node} (${m.platform}), fd limit ${m.fdLimit}, load average ${m.loadAverage1m ?? '?'} at start and ${m.loadAverage1mAtEnd ?? '?'} at end.`,
    '',
    '| benchmark | metric | ours | baseline | ratio | goal | status | notes |',
    '|---|---|---:|---:|---:|---|---|---|'
  ]
  for (const r of results.rows) {
    const ours = r.ours === null ? '-' : `${fmt(r.ours)} ${r.unit}`
    const base = r.baseline === null ? '-' : `${fmt(r.baseline)} ${r.unit} (${r.baselineName})`
    const rat = r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`
    lines.push(
      `| ${r.benchmark} | ${r.metric} | ${ours} | ${base} | ${rat} | ${r.goal || '-'} | ${r.goal ? verdict(r.met) : '-'} | ${String(r.note).replace(/\|/g, '/').replace(/\n/g, ' ')} |`
    )
  }
  return lines.join('\n')
}
