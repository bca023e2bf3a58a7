import { describe, expect, it } from 'vitest'
import { retryAfterMs, retryDelayMs } from '../src/backoff.js'
import { DeviceClock, randomId } from '../src/clock.js'
import { eventColumns } from '../src/events.js'
import { factState } from '../src/facts.js'
import { compareAssignments, effectiveStatus, nextMilestone, reachedMilestones } from '../src/lifecycle.js'
import { POSITION, shouldReport } from '../src/position.js'
import { distanceM } from '../src/format.js'

const assignment = (over = {}) => ({
  id: '7', incident_id: '3', status: 'dispatched', dispatched_at: 1000, delivered_at: null,
  acknowledged_at: null, en_route_at: null, on_scene_at: null, transporting_at: null, cleared_at: null,
  ...over,
})
const own = (kind, device_time, over = {}) => ({ id: `e-${kind}`, kind, assignment_id: '7', device_time, _status: 'created', ...over })

describe('milestones', () => {
  it('offers acknowledge, en route, on scene, then cleared (transporting is optional)', () => {
    const a = assignment()
    const steps = []
    const events = []
    let next = nextMilestone(a, events)
    while (next) {
      steps.push(next)
      events.push(own(next, 2000 + steps.length))
      next = nextMilestone(a, events)
    }
    expect(steps).toEqual(['ack', 'en_route', 'on_scene', 'cleared'])
  })

  it('moves the shown status with the phone’s own facts before the server confirms', () => {
    const a = assignment({ status: 'acknowledged', acknowledged_at: 1500 })
    expect(effectiveStatus(a, [own('on_scene', 3000)])).toBe('on_scene')
    expect(reachedMilestones(a, [own('ack', 1400), own('on_scene', 3000)])).toEqual({ ack: 1500, on_scene: 3000 })
  })

  it('offers nothing on a cancelled call and keeps it cancelled', () => {
    const a = assignment({ status: 'cancelled' })
    expect(nextMilestone(a, [])).toBe(null)
    expect(effectiveStatus(a, [own('en_route', 3000)])).toBe('cancelled')
  })

  it('orders open calls by priority then waiting time, closed ones last', () => {
    const row = (id, priority, dispatched_at, status = 'dispatched') => ({ assignment: assignment({ id, dispatched_at, status }), incident: { priority } })
    const rows = [row('a', 'P2', 1), row('b', 'P0', 5), row('c', 'P0', 2), row('d', 'P0', 0, 'cleared')]
    expect(rows.sort(compareAssignments).map((r) => r.assignment.id)).toEqual(['c', 'b', 'a', 'd'])
  })
})

describe('what became of a fact', () => {
  it('tells waiting, sent, accepted, conflicts and refusals apart', () => {
    expect(factState({ _status: 'created' }).key).toBe('fact_waiting')
    expect(factState({ _status: 'synced', disposition: null }).key).toBe('fact_sent')
    expect(factState({ _status: 'synced' }, { status: 'accepted', disposition: 'applied' })).toMatchObject({ key: 'fact_applied', tone: 'ok' })
    expect(factState({ _status: 'synced', disposition: 'after_cancel' })).toMatchObject({ key: 'fact_after_cancel', tone: 'warn' })
    // The pulled disposition wins over the push answer (it may have changed since).
    expect(factState({ _status: 'synced', disposition: 'superseded' }, { status: 'accepted', disposition: 'applied' }).key).toBe('fact_superseded')
    expect(factState({ _status: 'synced' }, { status: 'rejected', reason: 'invalid_payload' })).toMatchObject({ key: 'fact_rejected', tone: 'bad', reason: 'invalid_payload' })
  })
})

describe('clock and events', () => {
  it('sends wall time, a boot id per app start and monotonic elapsed time', () => {
    const clock = new DeviceClock({ now: () => 1_795_154_400_123.7, elapsed: () => 5_460_000.9 })
    expect(clock.header()).toMatch(/^1795154400123;web-[A-Za-z0-9]{16};5460000$/)
    expect(new DeviceClock().bootId).not.toBe(clock.bootId)
    expect(randomId()).toMatch(/^[A-Za-z0-9]{16}$/)
  })

  it('attaches a fresh position fix to an event and leaves a stale one out', () => {
    const clock = new DeviceClock({ now: () => 10_000_000, elapsed: () => 42 })
    const fix = { lat: 47.9, lon: 80.4, accuracy: 12.345, time: 9_990_000 }
    const fresh = eventColumns({ kind: 'on_scene', assignmentId: '7', clock, fix, now: 10_000_000 })
    const stale = eventColumns({ kind: 'on_scene', assignmentId: '7', clock, fix, now: 10_000_000 + POSITION.freshForEventMs + 10_001 })
    expect(fresh).toEqual({
      kind: 'on_scene', assignment_id: '7', device_time: 10_000_000, boot_id: clock.bootId, elapsed_ms: 42,
      lat: 47.9, lon: 80.4, accuracy_m: 12.3, gps_time: 9_990_000, payload: '{}',
    })
    expect([stale.lat, stale.lon, stale.gps_time]).toEqual([null, null, null])
  })
})

describe('backoff', () => {
  it('doubles up to the cap with jitter between half and all of it', () => {
    expect(retryDelayMs(1, { random: () => 1 })).toBe(1000)
    expect(retryDelayMs(4, { random: () => 1 })).toBe(8000)
    expect(retryDelayMs(4, { random: () => 0 })).toBe(4000)
    expect(retryDelayMs(40, { random: () => 1 })).toBe(300_000)
    expect(retryAfterMs('60')).toBe(60_000)
    expect(retryAfterMs('soon')).toBe(null)
    expect(retryAfterMs(null)).toBe(null)
  })
})

describe('position reports', () => {
  const fix = (lat, time, accuracy = 20) => ({ lat, lon: 80, accuracy, time })
  it('reports the first fix, a real move after a minute, and at least every ten minutes', () => {
    expect(shouldReport(null, fix(48, 0), distanceM)).toBe(true)
    expect(shouldReport(fix(48, 0), fix(48.01, 30_000), distanceM)).toBe(false) // too soon
    expect(shouldReport(fix(48, 0), fix(48.01, 61_000), distanceM)).toBe(true) // ~1.1 km moved
    expect(shouldReport(fix(48, 0), fix(48.0001, 120_000), distanceM)).toBe(false) // parked
    expect(shouldReport(fix(48, 0), fix(48.0001, 600_000), distanceM)).toBe(true) // ten minutes
    expect(shouldReport(null, fix(48, 0, 5000), distanceM)).toBe(false) // too coarse
  })
})
