// @vitest-environment happy-dom
// A call taken off the officer's unit — diverted to a more urgent call, stood down by the
// desk, given to another unit — was listed under "Завершённые" as if he had finished it,
// while the call went on without him. It is listed under a section of its own; a call he
// cleared, or one the desk cancelled outright, stays under the finished ones.
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { describe, expect, it } from 'vitest'
import { CallList } from '../src/ui/Calls.jsx'
import { clearedCall, minute, now } from './cleared-call.jsx'

// The list of ``state`` as its headings, each with the call numbers listed under it.
async function sections(state) {
  const root = document.createElement('div')
  document.body.append(root)
  await act(() => render(<CallList state={state} />, root))
  return [...root.querySelectorAll('h2')].map((h2) => [
    h2.textContent,
    [...h2.nextElementSibling.querySelectorAll('.call-number')].map((n) => n.textContent),
  ])
}

// Assignment 7 cleared (call …051); assignment 8 of call …052, ended for the unit by ``ending``.
function twoCalls(lang, ending, incidentStatus = 'queued') {
  const state = clearedCall({ lang })
  state.data.assignments.push({
    id: '8',
    incident_id: '4',
    status: 'dispatched',
    dispatched_at: now - 40 * minute,
    closed_at: now - 10 * minute,
    ...ending,
  })
  state.data.incidents[4] = { id: '4', number: '1010-2026-000052', category: 'fight', priority: 'P2', settlement_id: null, status: incidentStatus }
  return state
}

const stoodDown = { status: 'cancelled', cancelled_at: now - 10 * minute, cancel_reason: 'diverted to a more urgent call' }
const givenOn = { status: 'superseded', superseded_at: now - 10 * minute }

describe('a call taken off the unit on the list', () => {
  it('is not under the finished calls, in every language', async () => {
    for (const [lang, finished, takenOff] of [
      ['ru', 'Завершённые', 'Сняты с вашего наряда'],
      ['kk', 'Аяқталғандар', 'Сіздің нарядыңыздан алынғандар'],
      ['en', 'Finished', 'Taken off your unit'],
    ]) {
      for (const ending of [stoodDown, givenOn]) {
        expect(await sections(twoCalls(lang, ending))).toEqual([
          [finished, ['№ 1010-2026-000051']],
          [takenOff, ['№ 1010-2026-000052']],
        ])
      }
    }
  })

  it('stays with the finished ones when the desk cancelled the call itself', async () => {
    expect(await sections(twoCalls('ru', stoodDown, 'cancelled'))).toEqual([
      ['Завершённые', ['№ 1010-2026-000052', '№ 1010-2026-000051']],
    ])
  })
})
