// A call's time line: an open call counts from its dispatch; a closed one says when it
// closed instead of counting on for days.
import { describe, expect, it } from 'vitest'
import { callAge } from '../src/ui/Calls.jsx'

describe('callAge', () => {
  const now = Date.UTC(2026, 2, 12, 9, 0) // 14:00 in Almaty
  const dispatched = now - 3 * 3600_000 // 11:00

  it('counts an open call from its dispatch', () => {
    const open = { status: 'en_route', dispatched_at: dispatched, closed_at: null }
    expect(callAge('en', open, now)).toBe('3 h 0 min since dispatch')
  })

  it('says when a closed call closed, in every language', () => {
    const cleared = { status: 'cleared', dispatched_at: dispatched, closed_at: now - 2 * 3600_000 }
    expect(callAge('en', cleared, now)).toBe('closed 12:00')
    expect(callAge('ru', cleared, now)).toBe('закрыт 12:00')
    expect(callAge('kk', cleared, now)).toBe('жабылды 12:00')
    const yesterday = { ...cleared, status: 'cancelled', closed_at: now - 20 * 3600_000 }
    expect(callAge('en', yesterday, now)).toBe('closed 11 Mar 18:00')
  })
})
