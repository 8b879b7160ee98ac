/** `ws-health serve --port <busy>`: one clear line and exit 2, not an "Unhandled 'error' event" crash. */
import { afterEach, describe, expect, it } from '@jest/globals'
import { EXIT, main } from '../../src/cli.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { captureIo } from './cli-io.js'

let busy: ReferenceServer | undefined

afterEach(async () => {
  await busy?.close()
  busy = undefined
})

describe('ws-health serve on a busy port', () => {
  it('prints one line naming the port and exits 2', async () => {
    busy = await startReferenceServer()
    const io = captureIo()
    const code = await main(['serve', '--port', String(busy.port)], io)
    expect(code).toBe(EXIT.usage)
    expect(io.err()).toBe(
      `ws-health: port ${busy.port} is in use (choose another --port, or 0 for any free port)\n`
    )
    expect(io.out()).toBe('')
  })
})
