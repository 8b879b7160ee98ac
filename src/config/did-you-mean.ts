/**
 * "did you mean ...?" for a mistyped command or flag: the closest known
 * name by edit distance, when it is close enough to be the likely intent.
 */

/**
 * Edits (insert, delete, substitute, swap two neighbours) between a and b:
 * the optimal-string-alignment distance, so `duratoin` is one edit from
 * `duration`, as a typo is.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1
  const cols = b.length + 1
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0))
  )
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(
        (d[i - 1]?.[j] ?? 0) + 1,
        (d[i]?.[j - 1] ?? 0) + 1,
        (d[i - 1]?.[j - 1] ?? 0) + cost
      )
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (d[i - 2]?.[j - 2] ?? 0) + 1)
      }
      ;(d[i] as number[])[j] = best
    }
  }
  return d[a.length]?.[b.length] ?? 0
}

/**
 * The known name closest to `typed`, or undefined when none is within a
 * third of its length (at least one edit, at most three): a suggestion
 * further off would be a guess, not a correction.
 */
export function closestName(typed: string, known: readonly string[]): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(typed.length / 3)))
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const name of known) {
    const distance = editDistance(typed.toLowerCase(), name.toLowerCase())
    if (distance < bestDistance) {
      best = name
      bestDistance = distance
    }
  }
  return bestDistance <= limit ? best : undefined
}
