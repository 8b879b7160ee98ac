// Types for bench/render.mjs (plain JS so `npm run bench` needs no TypeScript loader).

export interface BenchRow {
  id: string
  benchmark: string
  metric: string
  ours: number | null
  baseline: number | null
  baselineName: string
  unit: string
  ratio: number | null
  goal: string
  /** true = met, false = not met, null = not measured or not applicable. */
  met: boolean | null
  note: string
}

export declare const goals: {
  p50OverheadMax: number
  p99OverheadMax: number
  throughputMinRatio: number
  openRateMinRatio: number
  concurrentMin: number
  heapPerConnectionMaxRatio: number
  reportMaxMs: number
  peerThroughputMinRatio: number
  peerCpuMaxRatio: number
  hostilePeakRssMaxBytes: number
}

export declare function rowsFromResults(results: Record<string, unknown>): BenchRow[]
export declare function renderTable(results: Record<string, unknown>): string
