// globalSetup of the dist project: starts the one build of this run into the
// temp build place (fixtures/temp-dist.mjs) in a child process and returns,
// so the build overlaps the other projects' tests; the dist tests wait for
// it through the build lock (their beforeAll calls ensureFreshDist).
import { buildInBackground } from '../fixtures/temp-dist.mjs'

export const BUILD = Symbol.for('ws-health.dist-build')

export default function buildDist() {
  globalThis[BUILD] = buildInBackground()
}
