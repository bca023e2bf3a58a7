// @vitest-environment happy-dom
// A training call (incidents.exercise: a drill, the live demo's simulated calls) is sent and
// worked like any call; a crew must still know it is one before it drives at speed, and must
// never see the mark on a real call. Its card in the list, its screen and its new-call alert
// say so, in the officer's language; a call without the column (a server or a pull from before
// it) is a real one.
import { describe, expect, it } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { alertWords } from '../src/alerts.js'
import { TABLES, migrations, schema } from '../src/db.js'
import { CallDetail, CallList } from '../src/ui/Calls.jsx'

const now = Date.UTC(2026, 2, 12, 9, 0)

function stateWith(lang, incident) {
  return {
    lang,
    now,
    deviceId: 'dev_this_phone',
    position: { fix: null },
    answers: {},
    data: {
      assignments: [{ id: '7', incident_id: '3', status: 'delivered', dispatched_at: now - 60_000, closed_at: null }],
      incidents: { 3: { id: '3', number: '1010-2026-000051', category: 'theft', priority: 'P1', risk_flags: '[]', ...incident } },
      settlements: {},
      events: [],
    },
  }
}

async function shown(node) {
  const root = document.createElement('div')
  await act(() => render(node, root))
  return root
}

const detail = (state) => shown(<CallDetail app={{ locateOnce: () => undefined }} state={state} id="7" />)

describe('an exercise call on the officer’s phone', () => {
  it('opens under the exercise banner, in Kazakh', async () => {
    const banner = (await detail(stateWith('kk', { exercise: true }))).querySelector('.banner.exercise')
    expect(banner.querySelector('.exercise-title').textContent).toBe('ОҚУ-ЖАТТЫҒУ')
    expect(banner.textContent).toContain('Бұл оқу шақыруы, нақты оқиға емес.')
  })

  it('opens under the exercise banner, in Russian, above the call’s head', async () => {
    const root = await detail(stateWith('ru', { exercise: true }))
    const banner = root.querySelector('.banner.exercise')
    expect(banner.querySelector('.exercise-title').textContent).toBe('УЧЕНИЯ')
    expect(banner.compareDocumentPosition(root.querySelector('.detail-head')) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy()
  })

  it('carries the exercise word on its card in the list', async () => {
    const card = (await shown(<CallList state={stateWith('ru', { exercise: true })} />)).querySelector('a.call')
    expect(card.querySelector('.exercise-badge').textContent).toBe('Учения')
  })

  it('says so in its new-call alert', () => {
    const { title } = alertWords('en', { kind: 'new', assignmentId: '7', priority: 'P1' }, stateWith('en', { exercise: true }).data)
    expect(title).toMatch(/^New call: P1\b.* · Exercise$/)
  })

  it('is kept in the phone’s database (local schema 5 adds the column)', () => {
    expect(TABLES.incidents.find((c) => c.name === 'exercise')).toMatchObject({ name: 'exercise', type: 'boolean' })
    expect(schema.version).toBe(5)
    expect(migrations.sortedMigrations.at(-1).toVersion).toBe(5)
  })
})

describe('a real call', () => {
  for (const incident of [{ exercise: false }, {}]) {
    it(`shows no exercise mark (${JSON.stringify(incident)})`, async () => {
      const state = stateWith('ru', incident)
      expect((await detail(state)).querySelector('.banner.exercise')).toBeNull()
      expect((await shown(<CallList state={state} />)).querySelector('.exercise-badge')).toBeNull()
      const { title } = alertWords('ru', { kind: 'new', assignmentId: '7', priority: 'P1' }, state.data)
      expect(title).toMatch(/^Новый вызов: P1/)
      expect(title).not.toContain('Учения')
    })
  }
})
