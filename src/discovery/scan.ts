/**
 * Bounded reading of a project tree: discovery must finish quickly on any
 * repository, so it visits a limited number of directories and files, reads
 * a limited number of bytes from each, and never enters dependency or VCS
 * folders.
 */
import { open, readdir } from 'node:fs/promises'
import path from 'node:path'

export interface ScanLimits {
  /** Directory levels below the root that are visited (0 = root only). */
  maxDepth: number
  /** Directory entries looked at in total, across the walk. */
  maxEntries: number
  /** Project files (env, compose, package.json, ...) read in total. */
  maxProjectFiles: number
  /** Source files read when looking for WebSocket paths and literals. */
  maxSourceFiles: number
  /** Bytes read from any one file; larger files are read up to this and a warning is recorded. */
  maxFileBytes: number
}

export const DEFAULT_SCAN_LIMITS: ScanLimits = {
  maxDepth: 3,
  maxEntries: 5000,
  maxProjectFiles: 100,
  maxSourceFiles: 150,
  maxFileBytes: 256 * 1024
}

/** Folders that hold dependencies, build output or VCS data, never the service's own config. */
export const SKIPPED_DIRS = new Set([
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  'dist',
  'build',
  'out',
  'coverage',
  '.next',
  '.nuxt',
  '.venv',
  'venv',
  'env',
  '__pycache__',
  '.tox',
  '.mypy_cache',
  '.pytest_cache',
  'target',
  'vendor',
  '.cache',
  '.turbo'
])

/** Relative file paths (POSIX separators) under `root`, breadth first, within the limits. */
export async function listFiles(root: string, limits: ScanLimits): Promise<string[]> {
  const files: string[] = []
  let entries = 0
  let level: string[] = ['']
  for (let depth = 0; depth <= limits.maxDepth && level.length > 0; depth++) {
    const next: string[] = []
    for (const rel of level) {
      let names
      try {
        names = await readdir(path.join(root, rel), { withFileTypes: true })
      } catch {
        continue // unreadable folder: nothing to discover there
      }
      // Sorted so the same tree always yields the same order (deterministic priority).
      names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      for (const entry of names) {
        if (++entries > limits.maxEntries) return files
        const child = rel === '' ? entry.name : `${rel}/${entry.name}`
        if (entry.isDirectory()) {
          if (!SKIPPED_DIRS.has(entry.name)) next.push(child)
        } else if (entry.isFile()) {
          files.push(child)
        }
      }
    }
    level = next
  }
  return files
}

export interface ReadResult {
  text: string
  /** True when the file was longer than maxFileBytes and only its start was read. */
  truncated: boolean
}

/** Reads at most `maxBytes` of a file as UTF-8; null when it cannot be read. */
export async function readBounded(file: string, maxBytes: number): Promise<ReadResult | null> {
  let handle
  try {
    handle = await open(file, 'r')
    const buffer = Buffer.alloc(maxBytes + 1)
    const { bytesRead } = await handle.read(buffer, 0, maxBytes + 1, 0)
    const truncated = bytesRead > maxBytes
    return { text: buffer.toString('utf8', 0, Math.min(bytesRead, maxBytes)), truncated }
  } catch {
    return null
  } finally {
    await handle?.close()
  }
}

/** 1-based line of a character offset in `text`. */
export function lineAt(text: string, offset: number): number {
  let line = 1
  const end = Math.min(offset, text.length)
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++
  return line
}

/** A TCP port number, or null when `value` is not one (1-65535, digits only). */
export function parsePort(value: unknown): number | null {
  const text =
    typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : ''
  if (!/^\d{1,5}$/.test(text)) return null
  const port = Number(text)
  return port >= 1 && port <= 65535 ? port : null
}
