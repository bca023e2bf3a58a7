// @vitest-environment happy-dom
// An outcome the server would refuse is not queued, and one it refused does not read as
// recorded. Offline, in Kazakh, an officer typed the ЕРАП number "ЕРАП-2026-5521" (Cyrillic):
// the form queued it, back in coverage the server refused the whole outcome (invalid_payload),
// and the green line still said "Нәтиже жазылды: …".
import { describe, expect, it, vi } from 'vitest'
import { act } from 'preact/test-utils'
import { callScreen as shown, clearedCall, minute, now } from './cleared-call.jsx'

const stateWith = ({ lang = 'kk', ...rest } = {}) => clearedCall({ lang, ...rest })

async function change(element, value, type) {
  await act(() => {
    element.value = value
    element.dispatchEvent(new Event(type, { bubbles: true }))
  })
}

async function fillOutcome(root, number) {
  await change(root.querySelector('#outcome-code'), 'admin_protocol', 'change')
  await change(root.querySelector('#registry-kind'), 'erap', 'change')
  await change(root.querySelector('#registry-number'), number, 'input')
  await act(() => root.querySelector('form.outcome').dispatchEvent(new Event('submit', { bubbles: true, cancelable: true })))
}

describe('the registry number on the outcome form', () => {
  it('is checked before anything is queued, and the officer is told which characters go', async () => {
    // given
    const app = { locateOnce: () => undefined, outcome: vi.fn(async () => undefined) }
    const root = await shown(stateWith(), app)

    // when: the number typed on a Kazakh keyboard
    await fillOutcome(root, 'ЕРАП-2026-5521')

    // then: nothing queued; the rule in the officer's language, in red, on the field
    expect(app.outcome).not.toHaveBeenCalled()
    const rule = root.querySelector('#registry-number-rule')
    expect(rule.className).toBe('rule error')
    expect(rule.textContent).toContain('латын әріптері')
    expect(root.querySelector('#registry-number').getAttribute('aria-invalid')).toBe('true')

    // when: the same number in Latin letters
    await change(root.querySelector('#registry-number'), 'ERAP-2026-5521', 'input')
    await act(() => root.querySelector('form.outcome').dispatchEvent(new Event('submit', { bubbles: true, cancelable: true })))

    // then: queued as typed
    expect(app.outcome).toHaveBeenCalledTimes(1)
    expect(app.outcome.mock.calls[0][1]).toMatchObject({ registryKind: 'erap', registryNumber: 'ERAP-2026-5521' })
  })

  it('has a pattern the browser can compile (the v flag), with the server’s rule', async () => {
    const root = await shown(stateWith())
    await change(root.querySelector('#registry-kind'), 'erap', 'change')
    const input = root.querySelector('#registry-number')
    // Chrome compiles pattern="…" as new RegExp(`^(?:${pattern})$`, 'v') and ignores a
    // pattern that does not compile: the form then let any number through.
    const rule = new RegExp(`^(?:${input.getAttribute('pattern')})$`, 'v')
    expect(['261/7', 'ERAP-2026-5521', '2026.01', 'a'.repeat(40)].every((n) => rule.test(n))).toBe(true)
    expect(['ЕРАП-2026-5521', '-261', '261 7', 'a'.repeat(41)].some((n) => rule.test(n))).toBe(false)
    expect(input.getAttribute('inputmode')).toBe('url')
  })
})

describe('an outcome the server refused', () => {
  const refused = {
    id: 'ev_outcome',
    kind: 'outcome',
    assignment_id: '7',
    incident_id: '3',
    device_time: now - 15 * minute,
    payload: JSON.stringify({ code: 'admin_protocol', registry_kind: 'erap', registry_number: 'ЕРАП-2026-5521' }),
    _status: 'synced',
  }
  const answers = { ev_outcome: { status: 'rejected', reason: 'invalid_payload', kind: 'outcome', assignment_id: '7' } }

  it('is not shown as recorded; the line says it was refused and why, in the officer’s language', async () => {
    // when
    const root = await shown(stateWith({ events: [refused], answers }))

    // then
    expect(root.querySelector('form.outcome .saved')).toBeNull()
    expect(root.querySelector('form.outcome .refused').textContent).toBe(
      'Сервер нәтижені қабылдамады (тізілім нөмірінде рұқсат етілмеген таңба бар): ' +
        'Әкімшілік хаттама (ЕРАП) · ЕРАП ЕРАП-2026-5521. Нәтижені қайта енгізіңіз.',
    )
    expect(root.querySelector('.fact[data-kind=outcome] .fact-state').textContent).toBe(
      'Сервер қабылдамады: тізілім нөмірінде рұқсат етілмеген таңба бар',
    )
  })

  it('leaves the outcome recorded before it shown as recorded, in Russian too', async () => {
    // given: the partner's accepted outcome, then this phone's refused one
    const partner = {
      ...refused,
      id: 'ev_partner',
      device_id: 'dev_partner',
      device_time: now - 18 * minute,
      payload: JSON.stringify({ code: 'warning' }),
    }
    const root = await shown(stateWith({ lang: 'ru', events: [partner, refused], answers }))
    expect(root.querySelector('form.outcome .saved').textContent).toBe('Результат записан: Вынесено предупреждение')
    expect(root.querySelector('form.outcome .refused').textContent).toContain('Сервер не принял результат (в номере реестра недопустимый знак)')
  })
})
