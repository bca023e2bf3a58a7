// Every reason the server gives for refusing a fact (backend/sync_gateway/models.py REASONS,
// the push's `reason` codes) reads in words on the phone: `invalid_text` (a note with a
// character the database cannot store) read "Сервер не принял: invalid_text".
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { LANGUAGES, label } from '../src/i18n.js'

function serverReasons() {
  const source = readFileSync(new URL('../../backend/sync_gateway/models.py', import.meta.url), 'utf8')
  const table = source.slice(source.indexOf('REASONS = {'), source.indexOf('}', source.indexOf('REASONS = {')))
  return [...table.matchAll(/^\s+"([a-z_]+)":/gm)].map((m) => m[1])
}

describe('the server’s reasons for refusing a fact', () => {
  it('each read in words in every language', () => {
    const reasons = serverReasons()
    expect(reasons).toContain('unknown_follow_up')
    const raw = reasons.flatMap((reason) => LANGUAGES.filter((lang) => label(lang, 'reject_reason', reason) === reason).map((lang) => `${reason}.${lang}`))
    expect(raw).toEqual([])
  })
})
