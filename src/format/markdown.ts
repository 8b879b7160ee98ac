/**
 * Markdown for the step summary and the issues alike. Escaping for text that
 * the service under test (or a user) controls, before it lands in a summary,
 * issue or comment: check messages, close reasons, the target URL. Such text
 * must read as plain words, never as markup, a link, an image, raw HTML, a
 * mention that pings a team, or a reference that cross-links another issue.
 * Then the few blocks every Markdown sink writes: table rows and cells,
 * folded details, links that only ever point at http(s).
 */

/** Default cap on one escaped fragment, in characters (GitHub bodies max out at 65 536). */
export const DEFAULT_FRAGMENT_MAX_CHARS = 500

// eslint-disable-next-line no-control-regex -- stripping control characters is the point
const CONTROL_CHARS = /[\u0000-\u001F\u007F\u2028\u2029]+/g

/** Zero-width space: breaks `@team` and `#123` auto-linking without changing what a reader sees. */
const ZWSP = '\u200B'

// Characters CommonMark/GFM give a meaning to inline; a backslash makes each literal.
// `<`, `>` and `&` are turned into entities instead (a backslash does not stop raw HTML in every renderer).
const MARKDOWN_PUNCTUATION = /[\\`*_{}[\]()#+!|~]/g

/**
 * Collapses a fragment to one line of at most `maxChars` characters: newlines,
 * tabs and other control characters become single spaces, so the text cannot
 * open a heading, list, table row or code fence on a line of its own.
 */
export function toSingleLine(text: string, maxChars = DEFAULT_FRAGMENT_MAX_CHARS): string {
  if (!Number.isInteger(maxChars) || maxChars < 1) {
    throw new RangeError(`maxChars: got ${maxChars}; expected an integer >= 1`)
  }
  const line = text.replace(CONTROL_CHARS, ' ').replace(/ {2,}/g, ' ').trim()
  return line.length > maxChars ? `${line.slice(0, maxChars - 1)}…` : line
}

/**
 * Makes untrusted text safe to embed inline in GitHub-flavoured markdown.
 * @param text any value; non-strings are converted with String()
 * @param maxChars cap on the result's visible length before escaping (default 500)
 */
export function escapeMarkdown(text: unknown, maxChars = DEFAULT_FRAGMENT_MAX_CHARS): string {
  return neutralise(toSingleLine(String(text), maxChars), MARKDOWN_PUNCTUATION)
}

/** The markup escapeMarkdown's lighter sibling takes away: links, images, code, emphasis, tables. */
const LINK_AND_CODE = /[\\`*[\]|~]/g

/**
 * Makes untrusted text safe in a table cell or list item while keeping it
 * readable: HTML becomes entities, `[`, `]`, backticks, emphasis and pipes are
 * escaped (no link, image, code span or new cell), mentions, issue references
 * and autolinks are broken; parentheses, underscores and `#` in words stay as
 * they are (they do nothing on their own), so "(RFC 6455 7.1.1)" and
 * WSH_ERR_PROTOCOL read as written.
 */
export function escapeInline(text: unknown, maxChars = DEFAULT_FRAGMENT_MAX_CHARS): string {
  return neutralise(toSingleLine(String(text), maxChars), LINK_AND_CODE)
}

/** HTML to entities, `escaped` characters backslashed, mentions, references and autolinks broken. */
function neutralise(line: string, escaped: RegExp): string {
  return line
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(escaped, (ch) => `\\${ch}`)
    .replace(/@(?=[A-Za-z0-9_-])/g, `@${ZWSP}`)
    .replace(/#(?=\d)/g, `#${ZWSP}`)
    .replace(/:\/\//g, `:${ZWSP}//`)
}

/**
 * Issue titles are not rendered as markdown, but they are shown in
 * notifications and e-mail subjects: keep them to one line, short, and free
 * of mentions.
 * @param maxChars cap in characters (GitHub's own limit is 256)
 */
export function toIssueTitle(text: string, maxChars = 200): string {
  return toSingleLine(text.replace(/@(?=[A-Za-z0-9_-])/g, `@${ZWSP}`), maxChars)
}

/**
 * Wraps untrusted text in an inline code span, where GitHub renders nothing:
 * no links, no HTML, no mentions. The fence is one backtick longer than the
 * longest run inside, as CommonMark requires. Not for table cells.
 * @param maxChars cap on the text's length (default 500)
 */
export function inlineCode(text: unknown, maxChars = DEFAULT_FRAGMENT_MAX_CHARS): string {
  const line = toSingleLine(String(text), maxChars)
  if (line === '') return '_(empty)_'
  const longestRun = Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length))
  const fence = '`'.repeat(longestRun + 1)
  // A space on each side keeps a leading or trailing backtick from merging with the fence.
  const pad = line.startsWith('`') || line.endsWith('`') ? ' ' : ''
  return `${fence}${pad}${line}${pad}${fence}`
}

/**
 * Escapes our own text (titles, figures, thresholds) for one table cell: a
 * pipe would open a new cell and a newline would end the row. Text the
 * service controls goes through escapeInline instead.
 */
export function tableCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}

/** One table row from cells already escaped for a cell: `| a | b |`. */
export function tableRow(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`
}

/** A table's header row and its delimiter row. */
export function tableHead(headers: readonly string[]): string[] {
  return [tableRow(headers), tableRow(headers.map(() => '---'))]
}

/**
 * A folded block: `summary` shown, `body` (Markdown lines, ending with a
 * blank line when it ends with a table) a click away, then a blank line.
 */
export function details(summary: string, body: readonly string[]): string[] {
  return [`<details><summary>${summary}</summary>`, '', ...body, '</details>', '']
}

/** A Markdown link when `url` is a plain http(s) URL; undefined for anything else, which must not become a link. */
export function httpLink(text: string, url: string | undefined): string | undefined {
  return url !== undefined && /^https?:\/\/[^\s()<>]+$/.test(url) ? `[${text}](${url})` : undefined
}
