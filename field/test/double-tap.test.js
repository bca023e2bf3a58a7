// A tap that lands twice on a milestone records it once, whatever the screen did between: the
// buttons keep their places now (78a74f0), but another phone's layout or a screen slow to
// redraw still takes the second tap on the same step. The controller takes the same step on
// the same call again only after DOUBLE_TAP_MS, never while the first is being recorded; the
// next step, tapped at once, is the officer's and is recorded.
// A unit status is guarded the same way (below).
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DOUBLE_TAP_MS } from '../src/controller.js'
import { fakeServer as server, testPhone } from './phone-harness.js'

const recorded = async (app) =>
  (await app.database.get('events').query().fetch())
    .map((e) => e._raw)
    .filter((e) => e.kind !== 'delivered')
    .map((e) => `${e.assignment_id}:${e.kind}`)
    .sort()

afterEach(() => vi.restoreAllMocks())

describe('a milestone tapped twice', () => {
  it('is recorded once, tapped while the first is being recorded or just after', async () => {
    const { api } = server()
    const { app } = await testPhone(api)
    let clock = Date.UTC(2026, 11, 5, 10, 0)
    vi.spyOn(Date, 'now').mockImplementation(() => clock)

    // when: two taps at once, then one a second later
    const [first, second] = await Promise.all([app.milestone('7', 'on_scene'), app.milestone('7', 'on_scene')])
    clock += 1_000
    const third = await app.milestone('7', 'on_scene')

    // then
    expect(first?.kind).toBe('on_scene')
    expect([second, third]).toEqual([null, null])
    expect(await recorded(app)).toEqual(['7:on_scene'])
  })

  it('never drops another step, or the same step on another call', async () => {
    const { api } = server()
    const { app } = await testPhone(api)
    vi.spyOn(Date, 'now').mockImplementation(() => Date.UTC(2026, 11, 5, 10, 0))
    await Promise.all([app.milestone('7', 'on_scene'), app.milestone('7', 'transporting'), app.milestone('8', 'on_scene')])
    expect(await recorded(app)).toEqual(['7:on_scene', '7:transporting', '8:on_scene'])
  })

  it('is taken again after the window, and at once after a tap that was not saved', async () => {
    const { api } = server()
    const { app } = await testPhone(api)
    let clock = Date.UTC(2026, 11, 5, 10, 0)
    vi.spyOn(Date, 'now').mockImplementation(() => clock)
    const record = app._record.bind(app)
    app._record = vi.fn().mockRejectedValueOnce(new Error('storage full')).mockImplementation(record)
    await expect(app.milestone('7', 'ack')).rejects.toThrow('storage full')
    expect((await app.milestone('7', 'ack'))?.kind).toBe('ack')
    clock += DOUBLE_TAP_MS
    expect((await app.milestone('7', 'ack'))?.kind).toBe('ack')
    expect(await recorded(app)).toEqual(['7:ack', '7:ack'])
  })
})

// A unit status tapped twice on a slow phone put two status changes in the outbox, and the
// desk's timeline and the chief's figures counted both. The same status again while the first
// is being recorded or within DOUBLE_TAP_MS records nothing; another status is the officer's.
const statuses = async (app) =>
  (await app.database.get('events').query().fetch())
    .map((e) => e._raw)
    .filter((e) => e.kind === 'unit_status')
    .sort((a, b) => a.device_time - b.device_time)
    .map((e) => JSON.parse(e.payload).status)

describe('a unit status tapped twice', () => {
  it('is recorded once, tapped while the first is being recorded or just after', async () => {
    // given
    const { api } = server()
    const { app } = await testPhone(api)
    let clock = Date.UTC(2026, 11, 5, 10, 0)
    vi.spyOn(Date, 'now').mockImplementation(() => clock)

    // when: two taps at once, then one a second later
    const [first, second] = await Promise.all([app.unitStatus('available'), app.unitStatus('available')])
    clock += 1_000
    const third = await app.unitStatus('available')

    // then
    expect(first?.kind).toBe('unit_status')
    expect([second, third]).toEqual([null, null])
    expect(await statuses(app)).toEqual(['available'])
  })

  it('takes a slip corrected at once, and the same status again after the window', async () => {
    const { api } = server()
    const { app } = await testPhone(api)
    let clock = Date.UTC(2026, 11, 5, 10, 0)
    vi.spyOn(Date, 'now').mockImplementation(() => clock)
    for (const status of ['busy', 'available', 'busy']) {
      clock += 100
      expect((await app.unitStatus(status))?.kind).toBe('unit_status')
    }
    clock += DOUBLE_TAP_MS
    expect((await app.unitStatus('busy'))?.kind).toBe('unit_status')
    expect(await statuses(app)).toEqual(['busy', 'available', 'busy', 'busy'])
  })

  it('is taken again at once after an SOS or a milestone between', async () => {
    const { api } = server()
    const { app } = await testPhone(api)
    vi.spyOn(Date, 'now').mockImplementation(() => Date.UTC(2026, 11, 5, 10, 0))
    app.socket = null
    await app.unitStatus('available')
    await app.sos()
    expect((await app.unitStatus('available'))?.kind).toBe('unit_status')
    await app.milestone('7', 'en_route')
    expect((await app.unitStatus('available'))?.kind).toBe('unit_status')
    expect(await statuses(app)).toEqual(['available', 'available', 'available'])
  })

  it('is taken again at once after a tap that was not saved', async () => {
    const { api } = server()
    const { app } = await testPhone(api)
    vi.spyOn(Date, 'now').mockImplementation(() => Date.UTC(2026, 11, 5, 10, 0))
    const record = app._record.bind(app)
    app._record = vi.fn().mockRejectedValueOnce(new Error('storage full')).mockImplementation(record)
    await expect(app.unitStatus('out_of_service')).rejects.toThrow('storage full')
    expect((await app.unitStatus('out_of_service'))?.kind).toBe('unit_status')
    expect(await statuses(app)).toEqual(['out_of_service'])
  })
})
