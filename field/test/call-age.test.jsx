// A call's time line: an open call counts from its dispatch; one over for the unit says when
// and how — "closed" only when the incident is closed, "cleared" when the unit cleared it and
// the incident waits for the chief (it read "closed 06:28" there).
import { describe, expect, it } from 'vitest'
import { callAge, statusLine } from '../src/ui/Calls.jsx'

describe('callAge', () => {
  const now = Date.UTC(2026, 2, 12, 9, 0) // 14:00 in Almaty
  const dispatched = now - 3 * 3600_000 // 11:00
  const hour = 3600_000

  it('counts an open call from its dispatch', () => {
    const open = { status: 'en_route', dispatched_at: dispatched, closed_at: null }
    expect(callAge('en', open, now, { status: 'active', closed_at: null })).toBe('3 h 00 min since dispatch')
  })

  it('says a call dispatched under a minute ago was dispatched just now, in words that parse', () => {
    // "только что с момента направления" ("just now since dispatch") on every new call.
    const fresh = { status: 'delivered', dispatched_at: now - 20_000, closed_at: null }
    const incident = { status: 'assigned', closed_at: null }
    expect(callAge('ru', fresh, now, incident)).toBe('направлен только что')
    expect(callAge('kk', fresh, now, incident)).toBe('жаңа ғана жіберілді')
    expect(callAge('en', fresh, now, incident)).toBe('dispatched just now')
    expect(callAge('ru', { ...fresh, dispatched_at: now - 61_000 }, now, incident)).toBe('1 мин с момента направления')
  })

  it('says a call the unit cleared is cleared, not closed, while the incident is not closed', () => {
    const cleared = { status: 'cleared', dispatched_at: dispatched, cleared_at: now - 2 * hour, closed_at: now - 2 * hour }
    const incident = { status: 'cleared', closed_at: null }
    expect(callAge('en', cleared, now, incident)).toBe('cleared 12:00')
    expect(callAge('ru', cleared, now, incident)).toBe('завершён 12:00')
    expect(callAge('kk', cleared, now, incident)).toBe('аяқталды 12:00')
  })

  it('says when the incident closed, once it has, in every language', () => {
    const cleared = { status: 'cleared', dispatched_at: dispatched, cleared_at: now - 2 * hour, closed_at: now - 2 * hour }
    const incident = { status: 'closed', closed_at: now - hour }
    expect(callAge('en', cleared, now, incident)).toBe('closed 13:00')
    expect(callAge('ru', cleared, now, incident)).toBe('закрыт 13:00')
    expect(callAge('kk', cleared, now, incident)).toBe('жабылды 13:00')
    const yesterday = { status: 'closed', closed_at: now - 20 * hour }
    expect(callAge('en', cleared, now, yesterday)).toBe('closed 11 Mar 18:00')
  })

  it('says a stand-down is a stand-down', () => {
    const cancelled = { status: 'cancelled', dispatched_at: dispatched, cancelled_at: now - hour, closed_at: now - hour }
    expect(callAge('ru', cancelled, now, { status: 'cancelled', closed_at: null })).toBe('отменён 13:00')
    const superseded = { status: 'superseded', dispatched_at: dispatched, superseded_at: now - hour, closed_at: now - hour }
    expect(callAge('kk', superseded, now, { status: 'assigned', closed_at: null })).toBe('басқа нарядқа берілді 13:00')
  })

  it('says the dispatch once on the call screen of a call just dispatched', () => {
    // "Жіберілді · жіберілді 13:59 · жаңа ғана жіберілді": the dispatch twice in one line.
    const fresh = { status: 'dispatched', dispatched_at: now - 20_000, closed_at: null }
    const incident = { status: 'assigned', closed_at: null }
    expect(statusLine('kk', fresh, 'dispatched', now, incident)).not.toContain('жаңа ғана')
    expect(statusLine('en', fresh, 'dispatched', now, incident).split('·')).toHaveLength(2)
    const older = { ...fresh, dispatched_at: dispatched }
    expect(statusLine('en', older, 'en_route', now, incident)).toContain('3 h 00 min since dispatch')
  })
})

describe('statusLine of a call over for the unit', () => {
  const now = Date.UTC(2026, 2, 12, 9, 0) // 14:00 in Almaty
  const hour = 3600_000
  const dispatched = now - 3 * hour

  it('says how it ended once, with its time', () => {
    // "Завершён · Направлен 11:00 · завершён 12:00", "Тоқтатылды · … · тоқтатылды 13:00"
    const cleared = { status: 'cleared', dispatched_at: dispatched, cleared_at: now - 2 * hour, closed_at: now - 2 * hour }
    expect(statusLine('ru', cleared, 'cleared', now, { status: 'cleared', closed_at: null })).toBe('Направлен 11:00 · завершён 12:00')
    const cancelled = { status: 'cancelled', dispatched_at: dispatched, cancelled_at: now - hour, closed_at: now - hour }
    expect(statusLine('kk', cancelled, 'cancelled', now, { status: 'cancelled', closed_at: null })).toBe(
      'Жіберілді 11:00 · тоқтатылды 13:00',
    )
  })

  it('keeps the unit’s step beside the incident’s closing', () => {
    const cleared = { status: 'cleared', dispatched_at: dispatched, cleared_at: now - 2 * hour, closed_at: now - 2 * hour }
    expect(statusLine('ru', cleared, 'cleared', now, { status: 'closed', closed_at: now - hour })).toBe(
      'Завершён · Направлен 11:00 · закрыт 13:00',
    )
  })
})
