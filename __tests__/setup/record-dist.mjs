// globalSetup of every run: remembers the committed dist/ (see committed-dist.mjs).
import { recordCommittedDist } from './committed-dist.mjs'

export default function recordDist() {
  recordCommittedDist()
}
