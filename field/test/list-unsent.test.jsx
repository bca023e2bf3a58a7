// @vitest-environment happy-dom
// Back from a white spot with calls worked there, the sync line said "Ждут отправки: 3" and
// nothing on the list said which call the desk had not heard of yet. A card with facts of his
// still on the phone says how many, as the sync line does (his position reports left out).
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { describe, expect, it } from 'vitest'
import { CallList } from '../src/ui/Calls.jsx'
import { clearedCall, minute, now } from './cleared-call.jsx'

const fact = (id, kind, assignmentId, _status) => ({
  id, kind, assignment_id: assignmentId, incident_id: '3', device_id: null, source: null,
  device_time: now - minute, payload: '{}', _status,
})

async function unsent(state) {
  const root = document.createElement('div')
  document.body.append(root)
  await act(() => render(<CallList state={state} />, root))
  return root.querySelector('a.call .call-unsent')?.textContent ?? null
}

describe('a call’s card on the list', () => {
  it('says how many of the officer’s facts on it are still on the phone', async () => {
    const events = [
      fact('ev_1', 'on_scene', '7', 'synced'),
      fact('ev_2', 'cleared', '7', 'created'),
      fact('ev_3', 'outcome', '7', 'created'),
      fact('ev_4', 'location', null, 'created'),
      fact('ev_5', 'note', '8', 'created'),
    ]
    expect(await unsent(clearedCall({ events }))).toBe('Ждут отправки: 2')
    expect(await unsent(clearedCall({ lang: 'kk', events }))).toBe('Жіберуді күтуде: 2')
  })

  it('says nothing once everything is sent', async () => {
    expect(await unsent(clearedCall({ events: [fact('ev_1', 'cleared', '7', 'synced')] }))).toBeNull()
  })
})
