// @vitest-environment happy-dom
// DV follow-up visits on the district inspector's phone: the visits he owes, the earliest
// due first and the overdue ones in red; a visit recorded on the phone (offline first, once),
// shown at once as made and waiting to be sent, then what the server decided, in words.
import { describe, expect, it, vi } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { DeviceClock } from '../src/clock.js'
import { FieldApp } from '../src/controller.js'
import { openDatabase } from '../src/db.js'
import { KEYS, SyncEngine } from '../src/sync.js'
import { t } from '../src/i18n.js'
import { App } from '../src/ui/App.jsx'
import { Tabs, VisitList } from '../src/ui/Visits.jsx'

const now = Date.UTC(2026, 2, 12, 9, 0) // 14:00 in Almaty
const hour = 3600_000
const empty = { created: [], updated: [], deleted: [] }
const unit = { id: '4', callsign: 'A-UI1', type: 'district_inspector', district_id: '1' }

const incident = (id, over = {}) => ({
  id, number: `1036-2026-00004${id}`, channel: 'phone_102', category: 'domestic_violence', priority: 'P1',
  status: 'closed', received_at: now - 3 * 24 * hour, district_id: '1', settlement_id: '12', lat: null, lon: null,
  location_source: 'settlement', landmark: '', summary: '', description: '', caller_name: '', caller_phone: '',
  risk_flags: JSON.stringify([{ flag: 'domestic_violence' }]), outcome_code: '', outcome_text: '', closed_at: null,
  ...over,
})
const followUp = (id, incidentId, due_at, over = {}) => ({ id, incident_id: incidentId, unit_id: '4', due_at, done_at: null, note: '', ...over })

const RECORDS = {
  settlements: [{ id: '12', kato: '103620200', name: 'Актогай', kind: 'village', district_id: '1', zone: 'remote', coverage: '2g_sms', lat: 46.95, lon: 79.66667, coords_estimated: false, road_km_to_seat: 140 }],
  units: [{ id: '4', callsign: 'A-UI1', type: 'district_inspector', mobility: 'car', district_id: '1', status: 'available', status_at: null, lat: null, lon: null, position_at: null }],
  incidents: [
    incident('1', {
      landmark: 'зимовка Кайнар, 2-й дом',
      caller_name: 'Гульнара',
      caller_phone: '+7 701 555 00 11',
      risk_flags: JSON.stringify([
        { flag: 'domestic_violence' },
        { flag: 'risk_subject', label: 'зимовка Кайнар', protective_order_until: '2026-04-01', protective_order_active: true, prior_dv_calls: 3, last_follow_up_at: null },
      ]),
    }),
    incident('2', { landmark: 'ул. Абая, 5' }),
    incident('3', { landmark: 'ферма у реки' }),
    incident('5', { landmark: 'ул. Жамбыла, 1' }),
  ],
  follow_ups: [
    followUp('20', '2', now + 2 * 24 * hour),
    followUp('10', '1', now - 26 * hour),
    followUp('50', '5', now - 20 * hour, { done_at: now - 3 * hour, note: 'Всё спокойно, муж в отъезде' }),
    followUp('30', '3', now + hour),
  ],
}

/** The state the controller publishes, for screens rendered without it. */
function stateOf(records, over = {}) {
  const byId = (rows) => Object.fromEntries(rows.map((r) => [r.id, r]))
  return {
    lang: 'ru', now, unit, deviceId: 'dev_phone', position: { fix: null }, answers: {},
    data: {
      assignments: [], events: [], incidents: byId(records.incidents), settlements: byId(records.settlements),
      units: byId(records.units), followUps: records.follow_ups,
    },
    ...over,
  }
}

async function rendered(vnode) {
  const root = document.createElement('div')
  await act(() => render(vnode, root))
  return root
}

const text = (el) => el?.textContent.replace(/\s+/g, ' ').trim() ?? null

describe('the visits the inspector owes', () => {
  it('come earliest due first, the overdue one in red, the visit made below with its note', async () => {
    // when
    const root = await rendered(<VisitList state={stateOf(RECORDS)} />)

    // then
    const [owed, made] = root.querySelectorAll('ul.calls')
    expect([...owed.querySelectorAll('a.call')].map((a) => a.getAttribute('href'))).toEqual(['#/v/10', '#/v/30', '#/v/20'])
    const [first, second, third] = owed.querySelectorAll('a.call')
    expect(first.className).toContain('visit-overdue')
    expect(text(first.querySelector('.category'))).toBe('Бытовое насилие')
    expect(text(first.querySelector('.number'))).toBe('№ 1036-2026-000041')
    expect(text(first.querySelector('.call-place'))).toBe('Актогай · зимовка Кайнар, 2-й дом')
    expect(text(first.querySelector('.due'))).toBe('Срок: 11 мар. 12:00')
    expect(text(first.querySelector('.overdue'))).toBe('Просрочено на 1 д 2 ч')
    expect(text(first.querySelector('.risk'))).toContain('Защитное предписание действует до 1 апр. 2026 г.')
    expect(text(second.querySelector('.due'))).toBe('Срок: 15:00')
    expect(text(third.querySelector('.due'))).toBe('Срок: 14 мар. 14:00')
    expect(second.querySelector('.overdue')).toBeNull()
    expect(third.querySelector('.overdue')).toBeNull()
    expect([...made.querySelectorAll('a.call')].map((a) => a.getAttribute('href'))).toEqual(['#/v/50'])
    expect(text(made.querySelector('.visit-when'))).toBe('Посещение проведено 11:00')
    expect(text(made.querySelector('.visit-note'))).toBe('Всё спокойно, муж в отъезде')
    expect(root.textContent).not.toMatch(/\d{13}/) // never a raw epoch time
  })

  it('are counted on the tab, which is red while any is overdue', async () => {
    const owed = await rendered(<Tabs state={stateOf(RECORDS)} route={{ name: 'list' }} />)
    expect(owed.querySelector('a[href="#/visits"]').firstChild.textContent).toBe('Посещения')
    expect(text(owed.querySelector('a[href="#/visits"] .badge'))).toBe('3')
    expect(owed.querySelector('.badge').className).toBe('badge overdue')
    expect(owed.querySelector('.badge').getAttribute('aria-label')).toBe('Ожидают: 3, просрочено: 1')

    const onTime = { ...RECORDS, follow_ups: RECORDS.follow_ups.filter((f) => f.id !== '10') }
    const calm = await rendered(<Tabs state={stateOf(onTime)} route={{ name: 'visits' }} />)
    expect(calm.querySelector('.badge').className).toBe('badge')
    expect(calm.querySelector('a[aria-current=page]').getAttribute('href')).toBe('#/visits')
  })

  it('are no tab at all for a patrol car with none', async () => {
    const patrol = stateOf({ ...RECORDS, follow_ups: [] }, { unit: { ...unit, type: 'patrol_car' } })
    expect((await rendered(<Tabs state={patrol} route={{ name: 'list' }} />)).innerHTML).toBe('')
  })

  it('are a tab for both kinds of inspector even with none owed', async () => {
    for (const type of ['district_inspector', 'dv_inspector']) {
      const none = stateOf({ ...RECORDS, follow_ups: [] }, { unit: { ...unit, type } })
      const tabs = await rendered(<Tabs state={none} route={{ name: 'list' }} />)
      expect(tabs.querySelector('a[href="#/visits"]')).not.toBeNull()
      expect(tabs.querySelector('.badge')).toBeNull()
    }
  })
})

// The controller on a real WatermelonDB (LokiJS in memory) behind a fake server.
let dbCounter = 0
const noTimers = { setTimeout: () => 1, clearTimeout: () => {} }

function fakeServer() {
  const server = { pages: [], pushed: [], answer: () => ({ status: 'accepted', disposition: 'applied' }) }
  server.api = {
    async pull(lastPulledAt) {
      return server.pages.shift() ?? { changes: {}, timestamp: (lastPulledAt ?? 0) + 1, has_more: false }
    },
    async push(events) {
      server.pushed.push(...events)
      return { results: events.map((e) => ({ id: e.id, ...server.answer(e) })) }
    },
  }
  return server
}

async function inspectorPhone(server, records = RECORDS) {
  vi.spyOn(console, 'log').mockImplementation(() => {})
  const win = { navigator: { onLine: true, languages: ['ru'] }, addEventListener() {}, setInterval() {} }
  const app = new FieldApp({ window: win })
  app.clock = new DeviceClock({ now: () => now, elapsed: () => 5_000 })
  app.database = openDatabase({ dbName: `visits-${++dbCounter}` })
  app.engine = new SyncEngine({ database: app.database, api: server.api, timers: noTimers })
  app.store.set({ phase: 'ready', lang: 'ru', unit, deviceId: 'dev_phone', now })
  const changes = Object.fromEntries(Object.entries(records).map(([table, rows]) => [table, { ...empty, updated: rows }]))
  server.pages.push({ changes, timestamp: 5, has_more: false, experimentalStrategy: 'replacement' })
  await app.engine.request()
  await app._refresh()
  const root = document.createElement('div')
  window.location.hash = '#/v/10'
  await act(() => render(<App app={app} />, root))
  return { app, root }
}

async function recordVisit(root, words) {
  const area = root.querySelector('#visit-text')
  area.value = words
  await act(() => area.dispatchEvent(new Event('input', { bubbles: true })))
  await act(async () => {
    const form = root.querySelector('form.visit-form')
    form.requestSubmit(form.querySelector('button[type=submit]'))
    await new Promise((resolve) => setTimeout(resolve, 50))
  })
}

async function refreshed(app) {
  await act(() => app._refresh())
}

const outbox = async (app) => (await app.database.get('events').query().fetch()).map((r) => r._raw)

/** The server's copy of this phone's visit, as the confirming pull brings it. */
const serverCopy = ({ _status, _changed, ...raw }, disposition) => ({
  ...raw, incident_id: '1', unit_id: '4', officer_id: '7', device_id: 'dev_phone',
  source: 'app', disposition, server_received_at: now, estimated_at: now, estimate_uncertainty_ms: 11_000,
  estimate_method: 'anchor', clock_suspect: false,
})

describe('recording a visit', () => {
  it('offers the form under a heading that does not say the visit was made', async () => {
    // The form stood under "Посещение проведено" ("Visit made") before anything was
    // recorded: an inspector could read the visit as done and drive away.
    const { root } = await inspectorPhone(fakeServer())
    expect(text(root.querySelector('form.visit-form h2'))).toBe('Итог посещения')
    expect(text(root)).not.toContain('Посещение проведено')
    expect(t('kk', 'visit_form')).toBe('Сапар нәтижесі')
    expect(t('en', 'visit_form')).toBe('After the visit')
  })

  it('puts one follow_up_visit in the outbox and shows the visit made, waiting to be sent', async () => {
    // given: no coverage
    const server = fakeServer()
    const { app, root } = await inspectorPhone(server)
    app.engine.request = () => Promise.resolve()
    expect(text(root.querySelector('.detail-head'))).toContain('Просрочено на 1 д 2 ч')
    expect(root.querySelector('a.call-button').getAttribute('href')).toBe('tel:+77015550011')
    expect(root.querySelector('a.map-button')).not.toBeNull()
    expect(text(root.querySelector('.risk'))).toContain('Прежних вызовов: 3')

    // when
    await recordVisit(root, '  Дома мать и двое детей, муж в отъезде  ')
    await refreshed(app)

    // then
    const events = await outbox(app)
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ kind: 'follow_up_visit', assignment_id: null, device_time: now, _status: 'created' })
    expect(JSON.parse(events[0].payload)).toEqual({ follow_up_id: '10', text: 'Дома мать и двое детей, муж в отъезде' })
    expect(root.querySelector('form.visit-form')).toBeNull()
    // the heading says the visit is on the phone (amber), not made as the district has it
    // (green "Посещение проведено" with the waiting only at the foot of the screen)
    const heading = root.querySelector('.visit-result h2')
    expect(text(heading)).toBe('Посещение записано в телефоне (14:00), ждёт связи')
    expect(heading.className).toBe('saved pending')
    expect(root.querySelector('.detail-head').className).toBe('detail-head visit-unsent')
    expect(t('kk', 'visit_made_unsent', { t: '14:00' })).toBe('Сапар телефонда тіркелді (14:00), байланыс күтуде')
    expect(text(root.querySelector('.visit-result .visit-note'))).toBe('Дома мать и двое детей, муж в отъезде')
    expect(text(root.querySelector('.fact[data-kind=follow_up_visit] .fact-state'))).toBe('Ждёт отправки')
    expect(text(root.querySelector('.sync-line .waiting'))).toBe('Ждут отправки: 1')

    // when: a second tap gets through somehow (a double tap, a stale screen)
    expect(await app.followUpVisit('10', 'ещё раз')).toBeNull()

    // then: still one
    expect(await outbox(app)).toHaveLength(1)

    // then: the list has it among the visits made, and the tab counts two owed
    window.location.hash = '#/visits'
    await act(() => new Promise((resolve) => setTimeout(resolve, 10)))
    const made = root.querySelector('ul.calls.made a[href="#/v/10"]')
    expect(text(made.querySelector('.made-at'))).toBe('Посещение проведено 14:00')
    expect(made.querySelector('.made-at').className).toBe('made-at unsent')
    expect(made.className).toBe('call visit visit-unsent')
    expect(text(made.querySelector('.pending'))).toBe('Ждёт отправки')
    expect(text(root.querySelector('.tabs .badge'))).toBe('2')
  })

  it('says so when the desk had recorded the visit first', async () => {
    // given
    const server = fakeServer()
    const { app, root } = await inspectorPhone(server)
    server.answer = () => ({ status: 'accepted', disposition: 'recorded' })
    const deskDone = now - 2 * hour
    app.engine.request = () => Promise.resolve()
    await recordVisit(root, 'Никого нет дома')

    // when: the push is answered, and the confirming pull brings the desk's record
    const [raw] = await outbox(app)
    server.pages.push({ changes: {}, timestamp: 6, has_more: false })
    server.pages.push({
      changes: {
        follow_ups: { ...empty, updated: [{ ...RECORDS.follow_ups[1], done_at: deskDone, note: 'Посещение провёл дежурный' }] },
        events: { ...empty, updated: [serverCopy(raw, 'recorded')] },
      },
      timestamp: 7,
      has_more: false,
    })
    await SyncEngine.prototype.request.call(app.engine)
    await refreshed(app)

    // then
    expect(server.pushed.map((e) => [e.kind, e.assignment_id])).toEqual([['follow_up_visit', null]])
    expect(text(root.querySelector('.visit-result h2'))).toBe('Посещение проведено 12:00')
    expect(text(root.querySelector('.visit-result .visit-note'))).toBe('Посещение провёл дежурный')
    expect(text(root.querySelector('.fact[data-kind=follow_up_visit] .fact-state'))).toBe(
      'Посещение уже записал кто-то другой (дежурный или другой телефон); ваша отметка сохранена, но ничего не изменила',
    )
    expect(root.querySelector('.fact[data-kind=follow_up_visit]').className).toContain('tone-warn')
    expect(root.querySelector('form.visit-form')).toBeNull()
  })

  it('shows it accepted, then recorded on the follow-up', async () => {
    // given
    const server = fakeServer()
    const { app, root } = await inspectorPhone(server)
    app.engine.request = () => Promise.resolve()
    await recordVisit(root, '')

    // when: the push is answered (applied); the server's copy has not come back yet
    await SyncEngine.prototype.request.call(app.engine)
    await refreshed(app)

    // then: accepted in words, the visit made at the phone's time
    const [raw] = await outbox(app)
    expect(JSON.parse(raw.payload)).toEqual({ follow_up_id: '10', text: '' })
    expect((await app.database.localStorage.get(KEYS.answers))[raw.id]).toMatchObject({ status: 'accepted', disposition: 'applied' })
    expect(text(root.querySelector('.fact[data-kind=follow_up_visit] .fact-state'))).toBe('Принято: посещение записано')
    expect(text(root.querySelector('.visit-result'))).toBe('Посещение проведено 14:00')

    // when: the next pull brings the follow-up done
    server.pages.push({
      changes: {
        follow_ups: { ...empty, updated: [{ ...RECORDS.follow_ups[1], done_at: now - 60_000, note: '' }] },
        events: { ...empty, updated: [serverCopy(raw, 'applied')] },
      },
      timestamp: 8,
      has_more: false,
    })
    await SyncEngine.prototype.request.call(app.engine)
    await refreshed(app)

    // then
    expect(text(root.querySelector('.visit-result'))).toBe('Посещение проведено 13:59')
    expect(text(root.querySelector('.fact[data-kind=follow_up_visit] .fact-state'))).toBe('Принято: посещение записано')
  })

  it('says why the server refused it, and offers no second visit', async () => {
    // given
    const server = fakeServer()
    const { app, root } = await inspectorPhone(server)
    server.answer = () => ({ status: 'rejected', reason: 'unknown_follow_up', detail: 'no such follow-up' })
    app.engine.request = () => Promise.resolve()
    await recordVisit(root, 'Дверь не открыли')

    // when
    await SyncEngine.prototype.request.call(app.engine)
    await refreshed(app)

    // then
    expect(text(root.querySelector('.fact[data-kind=follow_up_visit] .fact-state'))).toBe(
      'Сервер не принял: контрольное посещение не найдено',
    )
    expect(root.querySelector('.visit-result')).toBeNull()
    expect(root.querySelector('form.visit-form')).toBeNull()
    expect(text(root.querySelector('.detail-head'))).toContain('Просрочено на 1 д 2 ч')
  })
})
