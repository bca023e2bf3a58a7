// @vitest-environment happy-dom
// Where a call is, in the officer's language: settlements carried only their KATO name, in
// Russian, so an officer reading the app in Kazakh saw "Актогай" for Ақтоғай. The server now
// sends the Kazakh name too (name_kk, protocol schema 4; "" where it knows none): the lists,
// the call's and the visit's screens and the maps label show it in Kazakh, and the KATO name
// in Russian, in English, and in Kazakh where no Kazakh name is known.
import { describe, expect, it } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { CallDetail, CallList } from '../src/ui/Calls.jsx'
import { VisitDetail, VisitList } from '../src/ui/Visits.jsx'

const now = Date.UTC(2026, 2, 12, 9, 0) // 14:00 in Almaty
const hour = 3600_000

const settlement = (id, name, name_kk) => ({
  id, kato: '103620200', name, name_kk, kind: 'village', district_id: '1', zone: 'remote', coverage: '2g_sms',
  lat: 46.95, lon: 79.66667, coords_estimated: false, road_km_to_seat: 140,
})

// Two calls: one in Ақтоғай, whose Kazakh name the server knows, then one in Кайнар, whose it
// does not.
function stateIn(lang) {
  return {
    lang,
    now,
    deviceId: 'dev_this_phone',
    unit: { id: '4', callsign: 'A-UI1', type: 'district_inspector', district_id: '1' },
    position: { fix: null },
    answers: {},
    data: {
      assignments: [
        { id: '7', incident_id: '3', status: 'acknowledged', dispatched_at: now - 2 * 60_000, acknowledged_at: now, closed_at: null },
        { id: '8', incident_id: '4', status: 'acknowledged', dispatched_at: now - 60_000, acknowledged_at: now, closed_at: null },
      ],
      incidents: {
        3: { id: '3', category: 'domestic_violence', priority: 'P1', settlement_id: '12', lat: null, lon: null, landmark: '', received_at: now - hour },
        4: { id: '4', category: 'theft', priority: 'P1', settlement_id: '13', lat: null, lon: null, landmark: '', received_at: now - hour },
      },
      settlements: { 12: settlement('12', 'Актогай', 'Ақтоғай'), 13: settlement('13', 'Кайнар', '') },
      events: [],
      followUps: [{ id: '20', incident_id: '3', unit_id: '4', due_at: now + hour, done_at: null, note: '' }],
    },
  }
}

const app = { locateOnce: () => undefined }

async function rendered(vnode) {
  const root = document.createElement('div')
  await act(() => render(vnode, root))
  return root
}

const listPlaces = async (state) =>
  [...(await rendered(<CallList state={state} />)).querySelectorAll('.call-place')].map((el) => el.textContent)

describe('the place a call shows', () => {
  it('is the Kazakh name in Kazakh where one is known, else the KATO name', async () => {
    expect(await listPlaces(stateIn('kk'))).toEqual(['Ақтоғай', 'Кайнар'])
    expect(await listPlaces(stateIn('ru'))).toEqual(['Актогай', 'Кайнар'])
    expect(await listPlaces(stateIn('en'))).toEqual(['Актогай', 'Кайнар'])
  })

  it('is the same on the call’s screen and in its maps label', async () => {
    const kk = await rendered(<CallDetail app={app} state={stateIn('kk')} id="7" />)
    expect(kk.querySelector('dl.facts dd').firstChild.textContent).toBe('Ақтоғай')
    expect(kk.querySelector('a.map-button').getAttribute('href')).toBe(
      `geo:46.95,79.66667?q=46.95,79.66667(${encodeURIComponent('Ақтоғай')})`,
    )
    const ru = await rendered(<CallDetail app={app} state={stateIn('ru')} id="7" />)
    expect(ru.querySelector('dl.facts dd').firstChild.textContent).toBe('Актогай')
    expect(ru.querySelector('a.map-button').getAttribute('href')).toContain(encodeURIComponent('Актогай'))
  })

  it('is the same on the inspector’s visits', async () => {
    const list = await rendered(<VisitList state={stateIn('kk')} />)
    expect(list.querySelector('.call-place').textContent).toBe('Ақтоғай')
    const visit = await rendered(<VisitDetail app={app} state={stateIn('kk')} id="20" />)
    expect(visit.querySelector('dl.facts dd').firstChild.textContent).toBe('Ақтоғай')
  })
})
