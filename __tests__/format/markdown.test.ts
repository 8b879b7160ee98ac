import { describe, expect, it } from '@jest/globals'
import {
  details,
  escapeMarkdown,
  httpLink,
  inlineCode,
  tableCell,
  tableHead,
  tableRow,
  toIssueTitle,
  toSingleLine
} from '../../src/format/markdown.js'

describe('escapeMarkdown', () => {
  it.each([
    ['@org/team', '@org/team'],
    ['<img src=x onerror=alert(1)>', '<img'],
    ['[x](javascript:alert(1))', '](javascript:'],
    ['see #12', '#12'],
    ['![](https://e.example/a.png)', '!['],
    ['https://evil.example/login', 'https://'],
    ['`code`', '`code`'],
    ['| a | b |', '| a |']
  ])('neutralises %s', (input, raw) => {
    expect(escapeMarkdown(input)).not.toContain(raw)
  })

  it('keeps one line so text cannot open a heading, list or fence', () => {
    const out = escapeMarkdown('ok\n# Heading\r\n- item\n```\nx')
    expect(out).not.toMatch(/[\r\n]/)
    expect(out).toBe('ok \\# Heading - item \\`\\`\\` x')
  })

  it('caps length with an ellipsis', () => {
    expect(escapeMarkdown('a'.repeat(600), 10)).toBe(`${'a'.repeat(9)}…`)
  })

  it('rejects a bad cap, naming it', () => {
    expect(() => toSingleLine('x', 0)).toThrow(/maxChars: got 0/)
  })
})

describe('inlineCode', () => {
  it('uses a fence longer than any backtick run inside', () => {
    expect(inlineCode('a ``b`` c')).toBe('```a ``b`` c```')
    expect(inlineCode('`edge`')).toBe('`` `edge` ``')
    expect(inlineCode('plain')).toBe('`plain`')
    expect(inlineCode('')).toBe('_(empty)_')
  })
})

describe('toIssueTitle', () => {
  it('is one short line without mentions', () => {
    const title = toIssueTitle(`hi @team\n${'x'.repeat(300)}`)
    expect(title).not.toContain('@team')
    expect(title).not.toContain('\n')
    expect(title.length).toBeLessThanOrEqual(200)
  })
})

describe('tables, details and links', () => {
  it('escapes our own text for one table cell', () => {
    expect(tableCell('a|b\nc')).toBe('a\\|b c')
    expect(tableCell('C:\\x')).toBe('C:\\\\x')
  })

  it('writes a header, its delimiter and rows', () => {
    expect([...tableHead(['Metric', 'Value']), tableRow(['P95', '3 ms'])]).toEqual([
      '| Metric | Value |',
      '| --- | --- |',
      '| P95 | 3 ms |'
    ])
  })

  it('folds a body under its summary', () => {
    expect(details('All metrics', ['| a |', ''])).toEqual([
      '<details><summary>All metrics</summary>',
      '',
      '| a |',
      '',
      '</details>',
      ''
    ])
  })

  it('links only plain http(s) URLs', () => {
    expect(httpLink('run', 'https://github.com/o/r/actions/runs/7')).toBe(
      '[run](https://github.com/o/r/actions/runs/7)'
    )
    expect(httpLink('run', 'javascript:alert(1)')).toBeUndefined()
    expect(httpLink('run', 'https://x.test/a) [y](https://evil.test')).toBeUndefined()
    expect(httpLink('run', 'https://x.test/<img>')).toBeUndefined()
    expect(httpLink('run', undefined)).toBeUndefined()
  })
})
