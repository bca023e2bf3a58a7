// @vitest-environment happy-dom
// Out of coverage the app said so only in the banner at the top of the page: on a long call
// screen, scrolled down to the milestones, the officer saw a grey dot and nothing else. The
// header, which stays on screen, now says it in words.
import { describe, expect, it } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { Header } from '../src/ui/App.jsx'

async function header(lang, { online = true, sync = { socketOpen: online } } = {}) {
  const state = { lang, online, sync, unit: { id: '4', callsign: 'SEM-PC2' }, data: { units: {}, events: [] } }
  const root = document.createElement('div')
  await act(() => render(<Header app={{ sos: () => undefined }} state={state} />, root))
  return root
}

describe('the header out of coverage', () => {
  it('says there is no signal, in the officer’s language', async () => {
    expect((await header('ru', { online: false })).querySelector('.net-off').textContent).toBe('Нет сети')
    expect((await header('kk', { online: false })).querySelector('.net-off').textContent).toBe('Желі жоқ')
    const unanswered = await header('ru', { online: true, sync: { problem: 'offline', socketOpen: false } })
    expect(unanswered.querySelector('.net-off').textContent).toBe('Нет сети')
  })

  it('says nothing more while the phone is online', async () => {
    expect((await header('ru')).querySelector('.net-off')).toBeNull()
  })
})
