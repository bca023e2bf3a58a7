// @vitest-environment happy-dom
// A cleared call shows the outcome recorded on it, whoever recorded it. The partner's phone
// (and a new phone) showed an empty outcome form under a call whose outcome the server
// already held, and the officer typed it again.
import { describe, expect, it } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { CallDetail } from '../src/ui/Calls.jsx'

const now = Date.UTC(2026, 2, 12, 9, 0) // 14:00 in Almaty
const minute = 60_000

function stateWith({ events = [], incident = {} } = {}) {
  return {
    lang: 'ru',
    now,
    deviceId: 'dev_this_phone',
    position: { fix: null },
    answers: {},
    data: {
      assignments: [
        {
          id: '7',
          incident_id: '3',
          status: 'cleared',
          dispatched_at: now - 90 * minute,
          acknowledged_at: now - 88 * minute,
          en_route_at: now - 87 * minute,
          on_scene_at: now - 60 * minute,
          cleared_at: now - 20 * minute,
          closed_at: null,
        },
      ],
      incidents: {
        3: { id: '3', number: '1010-2026-000051', category: 'noise', priority: 'P3', settlement_id: null, ...incident },
      },
      settlements: {},
      events,
    },
  }
}

const app = { locateOnce: () => undefined }

async function shown(state) {
  const root = document.createElement('div')
  await act(() => render(<CallDetail app={app} state={state} id="7" />, root))
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
