/**
 * Every relative link in the README, CONTRIBUTING.md and docs/ resolves: the
 * file or folder exists, and a `#fragment` names a heading of the page it
 * points to (GitHub's heading ids), so moving a section cannot leave a dead
 * link behind.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'

const ROOT = process.cwd()

/** The text outside fenced code blocks, fences replaced by empty lines so line numbers hold. */
function prose(markdown: string): string[] {
  let fence: string | null = null
  return markdown.split('\n').map((line) => {
    const marker = /^\s*(```+|~~~+)/.exec(line)?.[1]
    if (marker !== undefined && (fence === null || marker.startsWith(fence))) {
      fence = fence === null ? marker : null
      return ''
    }
    return fence === null ? line : ''
  })
}

/** GitHub's id for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingIds(markdown: string): Set<string> {
  const ids = new Set<string>()
  const seen = new Map<string, number>()
  for (const line of prose(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1]
    if (heading === undefined) continue
    const base = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    ids.add(count === 0 ? base : `${base}-${count}`)
  }
  return ids
}

/** `file:line: target (why)` for each relative link of `file` that does not resolve. */
function brokenLinks(file: string): string[] {
  const broken: string[] = []
  const lines = prose(readFileSync(file, 'utf8'))
  lines.forEach((line, index) => {
    // Inline code can hold `[a](b)`-like text that is not a link.
    const text = line.replace(/`[^`]*`/g, '')
    for (const match of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = match[1] ?? ''
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue // https:, mailto:, ...
      const where = `${relative(ROOT, file)}:${index + 1}: ${target}`
      const [path = '', fragment] = target.split('#')
      const resolved = path === '' ? file : resolve(dirname(file), decodeURIComponent(path))
      if (!existsSync(resolved)) {
        broken.push(`${where} (no such file)`)
        continue
      }
      if (fragment === undefined || !resolved.endsWith('.md')) continue
      if (!headingIds(readFileSync(resolved, 'utf8')).has(decodeURIComponent(fragment))) {
        broken.push(`${where} (no heading #${fragment} in ${relative(ROOT, resolved)})`)
      }
    }
  })
  return broken
}

function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(ROOT, 'docs', name))
  return [
    ...['README.md', 'CONTRIBUTING.md', 'BENCHMARKS.md', 'examples/README.md'].map((name) =>
      join(ROOT, name)
    ),
    ...docs
  ]
}

describe('relative links in the documentation', () => {
  let scratch: string | undefined

  afterEach(() => {
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true })
    scratch = undefined
  })

  it('resolve to a file and, with a #fragment, to a heading of that file', () => {
    const files = markdownFiles()
    expect(files.length).toBeGreaterThan(10)
    expect(files.flatMap(brokenLinks)).toEqual([])
  })

  it('link every docs/ page from the docs index and the README', () => {
    const index = readFileSync(join(ROOT, 'docs', 'README.md'), 'utf8')
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const pages = readdirSync(join(ROOT, 'docs')).filter(
      (name) => name.endsWith('.md') && name !== 'README.md'
    )
    for (const page of pages) {
      expect({ page, inIndex: index.includes(`](${page})`) }).toEqual({ page, inIndex: true })
      expect({ page, inReadme: readme.includes(`](docs/${page}`) }).toEqual({
        page,
        inReadme: true
      })
    }
  })

  it('are reported when the file or the heading is missing, and code is not read as links', () => {
    scratch = mkdtempSync(join(tmpdir(), 'ws-health-links-'))
    mkdirSync(join(scratch, 'docs'))
    writeFileSync(
      join(scratch, 'docs', 'a.md'),
      ['# Page A', '', '## Endpoint discovery (no `url`)', '', '## Notes', '## Notes'].join('\n')
    )
    const page = join(scratch, 'README.md')
    writeFileSync(
      page,
      [
        '# Top',
        '[ok](docs/a.md) [ok](docs/a.md#endpoint-discovery-no-url) [ok](#top)',
        '[ok](docs/a.md#notes-1) [ok](https://example.com/missing.md)',
        '[file](docs/missing.md) [heading](docs/a.md#nowhere) [here](#nowhere)',
        '`[code](docs/missing.md)`',
        '```md',
        '[fenced](docs/missing.md)',
        '```'
      ].join('\n')
    )
    expect(brokenLinks(page).map((entry) => entry.replace(/^.*README\.md:/, ''))).toEqual([
      '4: docs/missing.md (no such file)',
      `4: docs/a.md#nowhere (no heading #nowhere in ${relative(ROOT, join(scratch, 'docs', 'a.md'))})`,
      `4: #nowhere (no heading #nowhere in ${relative(ROOT, page)})`
    ])
  })
})
