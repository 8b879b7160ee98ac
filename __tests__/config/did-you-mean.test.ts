import { describe, expect, it } from '@jest/globals'
import { closestName, editDistance } from '../../src/config/did-you-mean.js'

describe('did you mean', () => {
  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('duratoin', 'duration')).toBe(1)
    expect(editDistance('conections', 'connections')).toBe(1)
    expect(editDistance('', 'abc')).toBe(3)
    expect(editDistance('same', 'same')).toBe(0)
  })

  it('suggests only a close name', () => {
    const flags = ['--duration', '--url', '--suites', '--connections']
    expect(closestName('--duratoin', flags)).toBe('--duration')
    expect(closestName('--URL', flags)).toBe('--url')
    expect(closestName('--bogus', flags)).toBeUndefined()
    expect(closestName('rnu', ['run', 'serve', 'merge'])).toBe('run')
    expect(closestName('xyz', ['run', 'serve'])).toBeUndefined()
  })
})
