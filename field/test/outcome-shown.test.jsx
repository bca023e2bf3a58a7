// @vitest-environment happy-dom
// A cleared call shows the outcome recorded on it, whoever recorded it. The partner's phone
// (and a new phone) showed an empty outcome form under a call whose outcome the server
// already held, and the officer typed it again.
import { describe, expect, it } from 'vitest'
import { callScreen, clearedCall as stateWith, minute, now } from './cleared-call.jsx'

async function shown(state) {
  const root = await callScreen(state)
  return root.querySelector('form.outcome .saved')?.textContent ?? null
}

function outcomeEvent(id, device, payload, at) {
  return {
    id,
    kind: 'outcome',
    assignment_id: '7',
    incident_id: '3',
    device_id: device,
    device_time: at,
    estimated_at: at,
    payload: JSON.stringify(payload),
    _status: 'synced',
  }
}

describe('the outcome a cleared call shows', () => {
  it('is the partner phone’s, with its article and registry number', async () => {
    const partner = outcomeEvent(
      'ev_partner',
      'dev_partner',
      { code: 'admin_protocol', coao_article: '73', registry_kind: 'erap', registry_number: '261/7', text: 'Протокол на зачинщика' },
      now - 15 * minute,
    )
    const text = await shown(stateWith({ events: [partner] }))
    expect(text).toContain('Результат записан')
    expect(text).toContain('261/7')
    expect(text).toContain('Протокол на зачинщика')
  })

  it('is the latest when both phones recorded one', async () => {
    const mine = outcomeEvent('ev_mine', 'dev_this_phone', { code: 'not_found' }, now - 18 * minute)
    const later = outcomeEvent('ev_partner', 'dev_partner', { code: 'warning', text: 'Беседа проведена' }, now - 10 * minute)
    const text = await shown(stateWith({ events: [mine, later] }))
    expect(text).toContain('Беседа проведена')
    expect(text).not.toContain('На месте никого')
  })

  it('is the call’s own when no phone’s record is here (a duty officer’s, a new phone)', async () => {
    const text = await shown(stateWith({ incident: { outcome_code: 'not_found', outcome_text: 'Дверь не открыли' } }))
    expect(text).toBe('Результат записан: На месте никого · Дверь не открыли')
  })

  it('is absent while nothing is recorded', async () => {
    expect(await shown(stateWith())).toBeNull()
  })
})
