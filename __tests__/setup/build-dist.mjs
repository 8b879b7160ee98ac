// globalSetup of the dist project: builds the bundles once per jest run into
// the temp build place (fixtures/temp-dist.mjs), before any dist test starts.
import { ensureFreshDist } from '../fixtures/temp-dist.mjs'

export default async function buildDist() {
  await ensureFreshDist()
}
