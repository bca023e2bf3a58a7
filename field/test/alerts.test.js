// What the phone makes the officer notice (src/alerts.js). A call sent to the unit reached the
// list silently: in a pocket, on the dashboard, nobody knew until the desk phoned. A call the
// desk made P0, or domestic violence, changed a badge the officer was not looking at.
import { describe, expect, it } from 'vitest'
import { alertWords, callAlerts, keepsRinging } from '../src/alerts.js'

const minute = 60_000
const now = Date.UTC(2026, 11, 5, 9, 0)

function assignment(id, fields = {}) {
  return { id, incident_id: `i${id}`, status: 'dispatched', dispatched_at: now - 3 * minute, ...fields }
}
function incident(id, fields = {}) {
  return { id: `i${id}`, number: `1010-2026-00000${id}`, category: 'violence', priority: 'P1', settlement_id: '9', landmark: 'ул. Абая, 12', ...fields }
}
const seenAt = (priority, category = 'violence', open = true, messageAt = 0) => ({ priority, category, open, messageAt })

function alertsFor({ assignments, incidents, ownEvents = [], events = [], seen = {} }) {
  return callAlerts({ assignments, incidents: Object.fromEntries(incidents.map((i) => [i.id, i])), ownEvents, events, seen })
}
const deskNote = (id, assignmentId, text, at) => ({
  id, kind: 'note', source: 'desk', assignment_id: assignmentId, payload: JSON.stringify({ text }), server_received_at: at,
})

describe('a call sent to the unit', () => {
  it('alerts until opened, and rings on while it does; the most urgent first', () => {
    // given: two calls nobody of the crew has answered, one the phone's receipt made delivered
    const { alerts, silentlySeen } = alertsFor({
      assignments: [assignment('1'), assignment('2', { status: 'delivered' })],
      incidents: [incident('1', { priority: 'P2' }), incident('2', { priority: 'P0' })],
    })
    // then
    expect(alerts).toEqual([
      { assignmentId: '2', kind: 'new', priority: 'P0' },
      { assignmentId: '1', kind: 'new', priority: 'P2' },
    ])
    expect(silentlySeen).toEqual({})
    expect(keepsRinging(alerts)).toBe(true)
  })

  it('is taken as seen, silently, once the crew has answered it or when it was over before the phone held it', () => {
    // given: acknowledged on the partner's phone, en route tapped here (not yet sent), cancelled
    const { alerts, silentlySeen } = alertsFor({
      assignments: [
        assignment('1', { status: 'acknowledged', acknowledged_at: now - minute }),
        assignment('2'),
        assignment('3', { status: 'cancelled', cancelled_at: now - minute }),
      ],
      incidents: [incident('1'), incident('2'), incident('3', { priority: 'P3', category: 'noise' })],
      ownEvents: [{ kind: 'en_route', assignment_id: '2', device_time: now - minute, _status: 'created' }],
    })
    // then
    expect(alerts).toEqual([])
    expect(silentlySeen).toEqual({
      1: seenAt('P1'),
      2: seenAt('P1'),
      3: seenAt('P3', 'noise', false),
    })
    expect(keepsRinging(alerts)).toBe(false)
  })

  it('opened once, alerts no more', () => {
    const { alerts } = alertsFor({ assignments: [assignment('1')], incidents: [incident('1')], seen: { 1: seenAt('P1') } })
    expect(alerts).toEqual([])
  })
})

describe('a call the desk changed', () => {
  it('alerts when made more urgent than when last seen, once, and not when made less urgent', () => {
    const { alerts } = alertsFor({
      assignments: [assignment('1', { status: 'en_route' }), assignment('2', { status: 'en_route' })],
      incidents: [incident('1', { priority: 'P0' }), incident('2', { priority: 'P3' })],
      seen: { 1: seenAt('P2'), 2: seenAt('P1') },
    })
    expect(alerts).toEqual([{ assignmentId: '1', kind: 'raised', priority: 'P0', from: 'P2', dv: false }])
    expect(keepsRinging(alerts)).toBe(false)
  })

  it('alerts when it became domestic violence, with or without a higher priority', () => {
    const { alerts } = alertsFor({
      assignments: [assignment('1', { status: 'on_scene' }), assignment('2', { status: 'en_route' })],
      incidents: [
        incident('1', { category: 'domestic_violence', priority: 'P1' }),
        incident('2', { category: 'domestic_violence', priority: 'P1' }),
      ],
      seen: { 1: seenAt('P1', 'disorder'), 2: seenAt('P3', 'noise') },
    })
    expect(alerts).toEqual([
      { assignmentId: '1', kind: 'raised', priority: 'P1', from: 'P1', dv: true },
      { assignmentId: '2', kind: 'raised', priority: 'P1', from: 'P3', dv: true },
    ])
  })

  it('alerts when the call was taken off the unit while it was his, and not again once seen so', () => {
    const off = assignment('1', { status: 'cancelled', cancel_reason: 'diverted to a more urgent call' })
    const given = assignment('2', { status: 'superseded' })
    const first = alertsFor({ assignments: [off, given], incidents: [incident('1', { priority: 'P3' }), incident('2')], seen: { 1: seenAt('P3'), 2: seenAt('P1') } })
    expect(first.alerts).toEqual([
      { assignmentId: '2', kind: 'withdrawn', priority: 'P1' },
      { assignmentId: '1', kind: 'withdrawn', priority: 'P3' },
    ])
    const later = alertsFor({ assignments: [off], incidents: [incident('1')], seen: { 1: seenAt('P3', 'violence', false) } })
    expect(later.alerts).toEqual([])
  })
})

describe('a message from the duty desk', () => {
  it('alerts once per message not yet seen on an open call, and names how many', () => {
    const events = [
      deskNote('n1', '1', 'Заявитель перезвонил', now - 5 * minute),
      deskNote('n2', '1', 'У него нож', now - minute),
      // the partner's note and another call's message are not this call's desk messages
      { ...deskNote('n3', '1', 'Собака во дворе', now), source: 'app' },
      deskNote('n4', '9', 'Другой вызов', now),
    ]
    const { alerts } = alertsFor({
      assignments: [assignment('1', { status: 'en_route' })],
      incidents: [incident('1')],
      events,
      seen: { 1: seenAt('P1', 'violence', true, now - 10 * minute) },
    })
    expect(alerts).toEqual([{ assignmentId: '1', kind: 'message', priority: 'P1', eventId: 'n2', count: 2 }])
    // once seen up to the latest, none
    const later = alertsFor({
      assignments: [assignment('1', { status: 'en_route' })],
      incidents: [incident('1')],
      events,
      seen: { 1: seenAt('P1', 'violence', true, now - minute) },
    })
    expect(later.alerts).toEqual([])
  })

  it('on a call first held already answered, alerts the messages its officer has not read', () => {
    // given: the phone handed over, or new to the call (the partner's phone acknowledged it):
    // the desk wrote twice; this phone's officer read the first, on another call nothing
    const events = [deskNote('n1', '1', 'Заявитель перезвонил', now - 5 * minute), deskNote('n2', '1', 'У него нож', now - minute)]
    const read = { kind: 'read', assignment_id: '1', payload: JSON.stringify({ event_id: 'n1' }), _status: 'created' }
    const { alerts, silentlySeen } = alertsFor({
      assignments: [assignment('1', { status: 'on_scene' }), assignment('2', { status: 'cancelled', cancelled_at: now - minute })],
      incidents: [incident('1'), incident('2')],
      events: [...events, { ...deskNote('n3', '2', 'Отбой', now - minute) }],
      ownEvents: [read],
    })
    // then: the message he has not read; the call taken as seen up to the one he has
    expect(alerts).toEqual([{ assignmentId: '1', kind: 'message', priority: 'P1', eventId: 'n2', count: 1 }])
    expect(silentlySeen).toEqual({ 1: seenAt('P1', 'violence', true, now - 5 * minute), 2: seenAt('P1', 'violence', false, 0) })
  })

  it('reads as the latest message, in the officer\'s language', () => {
    const data = {
      assignments: [assignment('1', { status: 'en_route' })],
      incidents: { i1: incident('1') },
      settlements: {},
      events: [deskNote('n2', '1', 'У него нож', now)],
    }
    expect(alertWords('kk', { assignmentId: '1', kind: 'message', priority: 'P1', eventId: 'n2', count: 1 }, data)).toEqual({
      title: 'Кезекші бөлімнің хабары',
      body: 'У него нож · Зорлық / төбелес',
    })
    expect(alertWords('ru', { assignmentId: '1', kind: 'message', priority: 'P1', eventId: 'n2', count: 2 }, data)).toEqual({
      title: 'Сообщений дежурной части: 2',
      body: 'У него нож · Насилие / драка',
    })
  })
})

describe('an alert in words', () => {
  const data = {
    assignments: [assignment('1', { status: 'cancelled', cancel_reason: 'diverted to a more urgent call' }), assignment('2')],
    incidents: { i1: incident('1', { category: 'noise', priority: 'P3' }), i2: incident('2', { category: 'domestic_violence', priority: 'P0' }) },
    settlements: { 9: { id: '9', name: 'Актогай', name_kk: 'Ақтоғай' } },
  }

  it('says what, where and why in Russian and Kazakh', () => {
    expect(alertWords('ru', { assignmentId: '2', kind: 'new', priority: 'P0' }, data)).toEqual({
      title: 'Новый вызов: P0 — угроза жизни',
      body: 'Бытовое насилие · Актогай · ул. Абая, 12',
    })
    expect(alertWords('kk', { assignmentId: '2', kind: 'new', priority: 'P0' }, data)).toEqual({
      title: 'Жаңа шақыру: P0 — өмірге қауіп',
      body: 'Тұрмыстық зорлық · Ақтоғай · ул. Абая, 12',
    })
    expect(alertWords('ru', { assignmentId: '2', kind: 'raised', priority: 'P0', from: 'P2', dv: true }, data)).toEqual({
      title: 'Вызов стал срочнее: P0 — угроза жизни, был P2',
      body: 'Вызов теперь — бытовое насилие: смотрите факторы риска',
    })
    expect(alertWords('kk', { assignmentId: '2', kind: 'raised', priority: 'P0', from: 'P0', dv: true }, data)).toEqual({
      title: 'Шақыру енді — тұрмыстық зорлық: тәуекел белгілерін қараңыз',
      body: 'Тұрмыстық зорлық · Ақтоғай · ул. Абая, 12',
    })
    expect(alertWords('ru', { assignmentId: '1', kind: 'withdrawn', priority: 'P3' }, data)).toEqual({
      title: 'Вызов снят с вашего наряда',
      body: 'Шум · Актогай · направлен на более срочный вызов',
    })
  })
})
