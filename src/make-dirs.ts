/**
 * Creates a folder and its missing parents one level at a time. Node's own
 * `mkdir(path, { recursive: true })` never returns for some unwritable paths
 * (a folder under /proc spins forever on Node 20), which would hang a run at
 * its very end; this walk is bounded by the path's depth and fails with the
 * first real error (ENOTDIR, EACCES, EROFS, ...).
 */
import { mkdir, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'

/** Creates `dir` and its missing parents; rejects with the file system's error (its `code` kept). */
export async function makeDirs(dir: string): Promise<void> {
  const absolute = resolve(dir)
  const missing: string[] = []
  let at = absolute
  for (;;) {
    try {
      const found = await stat(at)
      if (!found.isDirectory()) throw notADirectory(at)
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      const parent = dirname(at)
      if (parent === at) throw error
      missing.push(at)
      at = parent
    }
  }
  for (const folder of missing.reverse()) {
    try {
      await mkdir(folder)
    } catch (error) {
      // Another process made it meanwhile: fine, as long as it is a folder.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      if (!(await stat(folder)).isDirectory()) throw notADirectory(folder)
    }
  }
}

function notADirectory(path: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`ENOTDIR: not a directory, mkdir '${path}'`)
  error.code = 'ENOTDIR'
  return error
}
