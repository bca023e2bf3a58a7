// A tap that lands twice on a milestone records it once, whatever the screen did between: the
// buttons keep their places now (78a74f0), but another phone's layout or a screen slow to
// redraw still takes the second tap on the same step. The controller takes the same step on
// the same call again only after DOUBLE_TAP_MS, never while the first is being recorded; the
// next step, tapped at once, is the officer's and is recorded.
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
