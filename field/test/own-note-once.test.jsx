// @vitest-environment happy-dom
// The officer's own note showed twice on the call screen: in the notes above the box, and
// again under "my facts". "My facts" keeps what only it says of a note — the server refused
// it, the phone's clock was off — and the milestones and the outcome as before.
import { describe, expect, it } from 'vitest'
import { callScreen, clearedCall, minute, now } from './cleared-call.jsx'

const note = (id, text, at, _status = 'synced', more = {}) => ({
  id, kind: 'note', assignment_id: '7', incident_id: '3', device_id: 'dev_this_phone', source: 'app',
  device_time: at, payload: JSON.stringify({ text }), _status, disposition: _status === 'synced' ? 'recorded' : null, ...more,
})
const onScene = {
  id: 'ev_on_scene', kind: 'on_scene', assignment_id: '7', incident_id: '3', device_id: 'dev_this_phone',
  source: 'app', device_time: now - 60 * minute, payload: '{}', _status: 'synced', disposition: 'applied',
}

async function screen(events, answers = {}) {
  const root = await callScreen(clearedCall({ events, answers }))
  const facts = [...root.querySelectorAll('.timeline li.fact')].map((li) => li.dataset.kind + ': ' + (li.querySelector('.fact-text')?.textContent ?? ''))
  const notes = [...root.querySelectorAll('.other-notes li')].map((li) => li.textContent)
  return { facts, notes }
}

describe('the officer’s own notes on the call screen', () => {
  it('are listed once, above the note box, sent or waiting', async () => {
    const events = [onScene, note('ev_a', 'Осматриваю двор', now - 6 * minute), note('ev_b', 'Нож изъят', now - 2 * minute, 'created')]
    expect(await screen(events)).toEqual({
      facts: ['on_scene: '],
      notes: ['13:54 Осматриваю двор', '13:58 Нож изъят · ждёт связи'],
    })
  })

  it('are under “my facts” too when the server refused one, or the clock was off', async () => {
    const events = [note('ev_a', 'Осматриваю двор', now - 6 * minute), note('ev_c', 'Время?', now - 4 * minute, 'synced', { clock_suspect: true })]
    const answers = { ev_a: { status: 'rejected', reason: 'not_assignee', kind: 'note', assignment_id: '7' } }
    expect((await screen(events, answers)).facts).toEqual(['note: Осматриваю двор', 'note: Время?'])
  })

  it('leave no “my facts” when they are all there is', async () => {
    const root = await callScreen(clearedCall({ events: [note('ev_a', 'Осматриваю двор', now - 6 * minute)] }))
    expect(root.querySelector('.timeline')).toBeNull()
  })
})
