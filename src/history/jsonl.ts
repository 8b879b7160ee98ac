/**
 * The history text format shared by the file and branch stores: one JSON
 * record per line, oldest first. Reading never throws on bad content: a
 * history file is written by many runs over months, and one torn or
 * hand-edited line must not cost the rest.
 */
import { HistoryRecordSchema, type HistoryRecord } from './record.js'

export interface HistoryReadResult {
  records: HistoryRecord[]
  /** 1-based numbers of the lines that were skipped (unparseable or not a v1 record). */
  skippedLines: number[]
  /** One message per problem, for the caller to log (never contains secrets). */
  warnings: string[]
}

/**
 * Parses JSON-lines history text, skipping bad lines.
 * @param text file content
 * @param source name of the file or branch path, used in the warning
 */
export function parseHistory(text: string, source = 'history'): HistoryReadResult {
  const records: HistoryRecord[] = []
  const skippedLines: number[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === '') continue
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      skippedLines.push(i + 1)
      continue
    }
    const parsed = HistoryRecordSchema.safeParse(value)
    if (parsed.success) records.push(parsed.data as HistoryRecord)
    else skippedLines.push(i + 1)
  }
  const warnings =
    skippedLines.length === 0
      ? []
      : [
          `${source}: skipped ${skippedLines.length} unreadable line(s) (line ${skippedLines.join(', ')}); ` +
            'they are dropped on the next write'
        ]
  return { records, skippedLines, warnings }
}

/** Serializes records as JSON lines with a trailing newline ('' for none). */
export function serializeHistory(records: readonly HistoryRecord[]): string {
  return records.map((record) => JSON.stringify(record) + '\n').join('')
}

/** Throws a RangeError naming `keep` unless it is a positive integer. */
export function checkKeep(keep: number): void {
  if (!Number.isInteger(keep) || keep < 1) {
    throw new RangeError(`keep: got ${keep}; expected a positive integer (runs to keep)`)
  }
}

/** The last `keep` records, oldest first. */
export function trimHistory(records: readonly HistoryRecord[], keep: number): HistoryRecord[] {
  checkKeep(keep)
  return records.slice(Math.max(0, records.length - keep))
}
