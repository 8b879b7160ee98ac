// globalTeardown of the dist project: waits for the background build, so no
// build outlives the run (killing it mid-build would leave its lock behind).
import { BUILD } from './build-dist.mjs'

export default async function awaitDistBuild() {
  const build = globalThis[BUILD]
  if (build === undefined) return
  const { code, stderr } = await build.done
  if (code !== 0) console.warn(`dist build for tests exited ${code}: ${stderr}`)
}
