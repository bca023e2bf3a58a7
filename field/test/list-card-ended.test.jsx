// @vitest-environment happy-dom
// A finished call's card on the list said it twice: "Завершён" at its top, "завершён 02:01"
// below it. It says it once, with its time, as the call screen's status line does; a card
// whose line says the incident's closing keeps the unit's step, and an open call its status.
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { describe, expect, it } from 'vitest'
import { CallList } from '../src/ui/Calls.jsx'
import { clearedCall, minute, now } from './cleared-call.jsx'

async function card(state) {
  const root = document.createElement('div')
  document.body.append(root)
  await act(() => render(<CallList state={state} />, root))
  const a = root.querySelector('a.call')
  return { status: a.querySelector('.status')?.textContent ?? null, age: a.querySelector('.call-age').textContent }
}

describe('the card of a call over for the unit', () => {
  it('says how it ended once', async () => {
    expect(await card(clearedCall())).toEqual({ status: null, age: 'завершён 13:40 · № 1010-2026-000051' })
    const kk = clearedCall({ lang: 'kk' })
    kk.data.assignments[0] = { ...kk.data.assignments[0], status: 'superseded', superseded_at: now - 30 * minute }
    expect(await card(kk)).toEqual({ status: null, age: 'басқа нарядқа берілді 13:30 · № 1010-2026-000051' })
  })

  it('keeps the unit’s step beside the incident’s closing', async () => {
    const state = clearedCall({ incident: { status: 'closed', closed_at: now - 10 * minute } })
    expect(await card(state)).toEqual({ status: 'Завершён', age: 'закрыт 13:50 · № 1010-2026-000051' })
  })

  it('keeps the status of a call still going', async () => {
    const state = clearedCall()
    state.data.assignments[0] = { ...state.data.assignments[0], status: 'on_scene', cleared_at: null }
    expect((await card(state)).status).toBe('На месте')
  })
})
