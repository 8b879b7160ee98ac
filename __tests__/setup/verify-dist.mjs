// globalTeardown of every run: fails when a test wrote the committed dist/ (see committed-dist.mjs).
import { verifyCommittedDist } from './committed-dist.mjs'

export default function verifyDist() {
  verifyCommittedDist()
}
