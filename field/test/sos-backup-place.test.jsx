// @vitest-environment happy-dom
// An officer's SOS backup call outside a village: the server stores its point's coordinates
// as its landmark (names and numbers, no words); the call screen and the list said the bare
// "47.98400, 80.46400" where the desk's banner said "3 km north-east of Аягоз". They say the
// distance, the way and the village in the officer's language, then the coordinates.
import { describe, expect, it } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { CallList, IncidentFacts } from '../src/ui/Calls.jsx'
import { compassPoint, landmarkText } from '../src/places.js'
import { alertWords } from '../src/alerts.js'

const now = Date.UTC(2026, 2, 12, 9, 0)

const town = {
  id: '12', kato: '104030100', name: 'Аягоз', name_kk: 'Аягөз', kind: 'town', district_id: '1', zone: 'urban',
  coverage: '4g', lat: 47.9645, lon: 80.4344, coords_estimated: false, road_km_to_seat: 0,
}
const backup = {
  id: '3', category: 'officer_sos', priority: 'P0', settlement_id: '12', lat: 47.984, lon: 80.464,
  landmark: '47.98400, 80.46400', summary: 'Асхат Нурланов (A-PC1)', received_at: now,
}

function stateIn(lang, incident = backup) {
  return {
    lang,
    now,
    deviceId: 'dev_this_phone',
    unit: { id: '4', callsign: 'A-PC2', type: 'patrol_car', district_id: '1' },
    position: { fix: null },
    answers: {},
    data: {
      assignments: [{ id: '7', incident_id: '3', status: 'dispatched', dispatched_at: now, closed_at: null }],
      incidents: { 3: incident },
      settlements: { 12: town },
      events: [],
      followUps: [],
    },
  }
}

async function rendered(vnode) {
  const root = document.createElement('div')
  await act(() => render(vnode, root))
  return root
}

const WORDS = {
  kk: 'Аягөз — солтүстік-шығысқа қарай 3,1 км (47.98400, 80.46400)',
  ru: '3,1 км к северо-востоку от Аягоз (47.98400, 80.46400)',
  en: '3.1 km north-east of Аягоз (47.98400, 80.46400)',
}

describe("an SOS backup call's place", () => {
  it('is said in words on the alert that rings for it, the village once', () => {
    const data = stateIn('ru').data
    expect(alertWords('ru', { assignmentId: '7', kind: 'new', priority: 'P0' }, data).body).toBe(
      `SOS сотрудника · ${WORDS.ru}`,
    )
    expect(alertWords('kk', { assignmentId: '7', kind: 'new', priority: 'P0' }, data).body).toMatch(
      new RegExp(`· ${WORDS.kk.replace(/[()]/g, '\\$&')}$`),
    )
  })

  for (const [lang, words] of Object.entries(WORDS)) {
    it(`says how far and which way from the village in ${lang}`, async () => {
      const state = stateIn(lang)
      const facts = await rendered(<IncidentFacts state={state} incident={backup} />)
      expect(facts.querySelector('dd.landmark').textContent).toBe(words)
      const list = await rendered(<CallList state={state} />)
      expect(list.querySelector('.call-place').textContent).toBe(words)
    })
  }

  it('keeps a landmark the desk wrote, and a point in the village, as they are', () => {
    expect(landmarkText('ru', { ...backup, landmark: 'зимовка Кайнар' }, town)).toBe('зимовка Кайнар')
    const inTown = { ...backup, lat: 47.9646, lon: 80.4345, landmark: '47.96460, 80.43450' }
    expect(landmarkText('ru', inTown, town)).toBe('47.96460, 80.43450')
  })

  it('names the compass point as the server does', () => {
    // backend/dispatch/places.py's compass_point, tests/backend/realtime/test_sos.py
    expect(compassPoint(48.0, 80.0, 48.1, 80.0)).toBe('N')
    expect(compassPoint(48.0, 80.0, 47.9, 79.85)).toBe('SW')
    expect(compassPoint(48.0, 80.0, 48.0, 80.2)).toBe('E')
  })
})
