// @vitest-environment happy-dom
// The officer's own note was only under "my facts", at the foot of a long call screen: he
// tapped "Add note", the box emptied, and nothing in sight said his words were kept. It is
// listed with the call's notes, just above the box, saying while it waits for the signal.
import { describe, expect, it } from 'vitest'
import { callScreen, clearedCall, minute, now } from './cleared-call.jsx'

const note = (id, device, text, at, _status = 'synced', source = 'app') => ({
  id, kind: 'note', assignment_id: '7', incident_id: '3', device_id: device, source,
  device_time: at, payload: JSON.stringify({ text }), _status,
})

async function notes(events, lang = 'ru') {
  const root = await callScreen(clearedCall({ lang, events }))
  return [...root.querySelectorAll('.other-notes li')].map((li) => li.textContent)
}

describe('the notes above the note box', () => {
  it('list the officer’s own note, waiting for the signal, after the partner’s', async () => {
    const events = [
      note('ev_mine', 'dev_this_phone', 'Задержан один, нож изъят', now - 2 * minute, 'created'),
      note('ev_partner', 'dev_partner', 'Осматриваю двор', now - 6 * minute),
    ]
    expect(await notes(events)).toEqual([
      '13:54 Осматриваю двор',
      '13:58 Задержан один, нож изъят · ждёт связи',
    ])
    expect((await notes(events, 'kk'))[1]).toBe('13:58 Задержан один, нож изъят · байланыс күтуде')
  })

  it('drop the waiting once the note is sent', async () => {
    const sent = note('ev_mine', 'dev_this_phone', 'Задержан один, нож изъят', now - 2 * minute)
    expect(await notes([sent])).toEqual(['13:58 Задержан один, нож изъят'])
  })
})
