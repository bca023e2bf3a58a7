// @vitest-environment happy-dom
// Out of coverage the status box said "Синхронизация: 14:05 (только что)": a line that read as
// if the phone were in touch with the desk (the screen's clock ticks every 30 s, and a sync
// after its last tick was "just now" until the next). Offline, it says when the phone last
// reached the server, at the local time; online the sync line is as it was.
import { describe, expect, it } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { SyncStatus } from '../src/ui/common.jsx'

const minute = 60_000
// 14:10 in Kazakhstan (UTC+5)
const now = Date.UTC(2026, 11, 7, 9, 10)

async function lastSync(lang, { online, lastSyncOk, syncing = false, problem = null, clock = now }) {
  const state = {
    lang, online, now: clock, deviceId: 'd1', data: { events: [], assignments: [] },
    sync: { lastSyncOk, syncing, problem },
  }
  const root = document.createElement('div')
  await act(() => render(<SyncStatus app={{ syncNow: () => undefined }} state={state} />, root))
  return root.querySelector('.sync-line .last-sync').textContent
}

describe('the last sync in the status box', () => {
  it('offline, says when the phone last reached the server, at the local time', async () => {
    const at = now - 5 * minute
    expect(await lastSync('ru', { online: false, lastSyncOk: at })).toBe('Последняя связь с сервером: 14:05')
    expect(await lastSync('kk', { online: false, lastSyncOk: at })).toBe('Сервермен соңғы байланыс: 14:05')
    expect(await lastSync('en', { online: false, lastSyncOk: at })).toBe('Last reached the server: 14:05')
    // the network gone under a phone that still thinks it is online
    expect(await lastSync('ru', { online: true, problem: 'offline', lastSyncOk: at })).toBe('Последняя связь с сервером: 14:05')
    // another day: with its date
    expect(await lastSync('ru', { online: false, lastSyncOk: now - 20 * 60 * minute })).toBe('Последняя связь с сервером: 6 дек. 18:10')
  })

  it('offline, never says "just now", nor that it is syncing', async () => {
    // the last sync came after the screen's clock last ticked
    const text = await lastSync('ru', { online: false, lastSyncOk: now + 10_000, clock: now })
    expect(text).toBe('Последняя связь с сервером: 14:10')
    expect(await lastSync('ru', { online: false, lastSyncOk: now, syncing: true })).toBe('Последняя связь с сервером: 14:10')
    expect(await lastSync('kk', { online: false, lastSyncOk: now })).not.toContain('қазір ғана')
    expect(await lastSync('ru', { online: false, lastSyncOk: null })).toBe('Связи с сервером ещё не было')
    expect(await lastSync('kk', { online: false, lastSyncOk: null })).toBe('Сервермен әлі байланыс болған жоқ')
  })

  it('online, is the sync line it was', async () => {
    expect(await lastSync('ru', { online: true, lastSyncOk: now })).toBe('Синхронизация: 14:10 (только что)')
    expect(await lastSync('ru', { online: true, lastSyncOk: now - 5 * minute })).toBe('Синхронизация: 14:05 (5 мин)')
    expect(await lastSync('ru', { online: true, lastSyncOk: now, syncing: true })).toBe('Синхронизация…')
    expect(await lastSync('ru', { online: true, lastSyncOk: null })).toBe('Ещё не синхронизировано')
  })
})
