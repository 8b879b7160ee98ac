import { describe, expect, it } from '@jest/globals'
import { bindAddress, portsFromCommand, publishedPort } from '../../src/discovery/command-line.js'

const ports = (command: string): number[] => portsFromCommand(command).map((found) => found.port)

describe('portsFromCommand', () => {
  it('reads dev-server flags in both spellings', () => {
    expect(ports('vite --port 8080')).toEqual([8080])
    expect(ports('vite --port=8080')).toEqual([8080])
    expect(ports('next dev -p 4000')).toEqual([4000])
    expect(ports('uvicorn app.main:app --host 0.0.0.0 --port 8001 --reload')).toEqual([8001])
  })

  it('reads PORT= prefixes, including plain PORT', () => {
    expect(ports('PORT=3001 node server.js')).toEqual([3001])
    expect(ports('WS_PORT=8001 BACKEND_PORT=8000 node server.js')).toEqual([8001, 8000])
  })

  it('reads gunicorn/hypercorn binds and docker publishes, host side only', () => {
    expect(portsFromCommand('gunicorn app:app --bind :8000')).toEqual([
      { port: 8000, via: '--bind' }
    ])
    expect(portsFromCommand('gunicorn -b 0.0.0.0:8002 app:app')).toEqual([
      { port: 8002, host: '0.0.0.0', via: '-b' }
    ])
    expect(ports('hypercorn --bind=[::1]:8003 app:app')).toEqual([8003])
    expect(ports('docker run -p 8030:8001 image')).toEqual([8030])
  })

  it('ignores flags whose value is not a port', () => {
    expect(ports('tsc -p tsconfig.json')).toEqual([])
    expect(ports('uvicorn app:app --port $PORT')).toEqual([])
    expect(ports('gunicorn --bind unix:/tmp/app.sock app:app')).toEqual([])
    expect(ports('node server.js --port 70000')).toEqual([])
    expect(ports('vite --port && echo done')).toEqual([])
  })
})

describe('publishedPort and bindAddress', () => {
  it('takes the host side of compose and docker mappings', () => {
    expect(publishedPort('8001:8001')).toEqual({ port: 8001 })
    expect(publishedPort('127.0.0.1:8001:9001/tcp')).toEqual({ port: 8001, host: '127.0.0.1' })
    expect(publishedPort('8000-8002:8000-8002')).toEqual({ port: 8000 })
    expect(publishedPort('not-a-port')).toBeNull()
  })

  it('reads host:port binds and rejects unix sockets', () => {
    expect(bindAddress(':8000')).toEqual({ port: 8000 })
    expect(bindAddress('localhost:8000')).toEqual({ port: 8000, host: 'localhost' })
    expect(bindAddress('unix:8000')).toBeNull()
  })
})
