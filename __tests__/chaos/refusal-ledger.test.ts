/** The relay's ledger of its own refusal windows (src/chaos/refusal-ledger.ts). */
import { describe, expect, it } from '@jest/globals'
import { createRefusalLedger, MAX_REFUSAL_WINDOWS } from '../../src/chaos/refusal-ledger.js'

describe('refusal ledger', () => {
  it('merges a window that starts before the last one ends, and keeps the gaps between others', () => {
    const ledger = createRefusalLedger()
    ledger.refuse(100, 200)
    ledger.refuse(150, 300)
    ledger.refuse(400, 500)
    expect(ledger.between(0, 1_000)).toEqual([
      { fromMs: 100, toMs: 300 },
      { fromMs: 400, toMs: 500 }
    ])
  })

  it('clips the windows to the span asked for and leaves out those outside it', () => {
    const ledger = createRefusalLedger()
    ledger.refuse(100, 200)
    ledger.refuse(400, 500)
    expect(ledger.between(150, 450)).toEqual([
      { fromMs: 150, toMs: 200 },
      { fromMs: 400, toMs: 450 }
    ])
    expect(ledger.between(200, 400)).toEqual([])
  })

  it('ends an open-ended outage where it was turned off, and ignores empty windows', () => {
    const ledger = createRefusalLedger()
    ledger.refuse(100, 100) // a reconnect delay of 0
    ledger.refuse(200, Number.POSITIVE_INFINITY)
    ledger.endAt(350)
    expect(ledger.between(0, 1_000)).toEqual([{ fromMs: 200, toMs: 350 }])
  })

  it('keeps the latest windows once full', () => {
    const ledger = createRefusalLedger()
    for (let i = 0; i <= MAX_REFUSAL_WINDOWS; i++) ledger.refuse(i * 10, i * 10 + 5)
    const kept = ledger.between(0, Number.POSITIVE_INFINITY)
    expect(kept.length).toBe(MAX_REFUSAL_WINDOWS / 2 + 1)
    expect(kept.at(-1)).toEqual({
      fromMs: MAX_REFUSAL_WINDOWS * 10,
      toMs: MAX_REFUSAL_WINDOWS * 10 + 5
    })
  })
})
