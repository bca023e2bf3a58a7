// The phone's local storage keys (sync.js KEYS) are each read or written by the app: a key
// declared and never used (`kuzet_transfer`, there since the first version) reads as a feature
// that keeps something on the phone, and a reader of the wipe and the handover looked for it.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { KEYS } from '../src/sync.js'

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : [readFileSync(join(dir, entry.name), 'utf8')],
  )
}

describe('the phone’s storage keys', () => {
  it('are each used by the app', () => {
    const code = sources(new URL('../src', import.meta.url).pathname).join('\n')
    const unused = Object.keys(KEYS).filter((name) => !code.includes(`KEYS.${name}`))
    expect(unused).toEqual([])
  })
})
