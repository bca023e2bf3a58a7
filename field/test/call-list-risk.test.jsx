// @vitest-environment happy-dom
// A DV call's risk flags showed only once the call was opened: in the list a patrol sent to a
// flat with a protective order in force read "P1 Бытовое насилие · Семей" like any other. An
// open call's row now carries them as the visits list does; a finished one's does not.
import { describe, expect, it } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { CallList } from '../src/ui/Calls.jsx'

const now = Date.UTC(2026, 2, 12, 9, 0)
const flags = JSON.stringify([
  { flag: 'domestic_violence' },
  { flag: 'risk_subject', label: 'мкр. Восточный, 7', protective_order_until: '2026-04-01', protective_order_active: true, prior_dv_calls: 3 },
])

async function list(status) {
  const state = {
    lang: 'ru',
    now,
    deviceId: 'dev_phone',
    data: {
      assignments: [{ id: '7', incident_id: '3', status, dispatched_at: now - 60_000, cleared_at: status === 'cleared' ? now : null, closed_at: null }],
      incidents: { 3: { id: '3', number: '1010-2026-000051', category: 'domestic_violence', priority: 'P1', risk_flags: flags } },
      settlements: {},
      events: [],
    },
  }
  const root = document.createElement('div')
  await act(() => render(<CallList state={state} />, root))
  return root
}

describe('a DV call in the list', () => {
  it('shows its risk flags while it is open', async () => {
    const row = (await list('delivered')).querySelector('a.call')
    expect(row.querySelector('.risk.compact').textContent).toContain('Защитное предписание действует до 1 апр. 2026\u00a0г.')
    expect(row.querySelector('.risk.compact').textContent).toContain('Прежних вызовов: 3')
  })

  it('leaves them out once the call is finished', async () => {
    expect((await list('cleared')).querySelector('.risk')).toBeNull()
  })
})
