// The enrol screen says why a code was not taken in the officer's language. A code mistyped
// ten times is rate-limited by the server (429, Retry-After), and the screen read "Тіркеу
// сәтсіз аяқталды: Too many failed attempts at an enrolment code from this device; try again
// later." — the server's English; a server down read its English too.
import { describe, expect, it, vi } from 'vitest'
import { ApiError } from '../src/api.js'
import { FieldApp } from '../src/controller.js'
import { openDatabase } from '../src/db.js'
import { t } from '../src/i18n.js'

async function refusedWith(error) {
  vi.spyOn(console, 'log').mockImplementation(() => {})
  const win = { navigator: { onLine: true, languages: ['kk'], platform: 'Linux' }, addEventListener() {}, setInterval() {} }
  const app = new FieldApp({ window: win })
  app.database = openDatabase({ dbName: `enrol-refused-${Math.random()}` })
  app.api = {
    async enroll() {
      throw error
    },
  }
  const result = await app.enrol('7KQM-3XTP-R9HD')
  expect(result.ok).toBe(false)
  return { kk: t('kk', result.key, result.params), ru: t('ru', result.key, result.params) }
}

describe('a code the server does not take', () => {
  it('rate-limited: says so, and how long to wait, in the officer’s words', async () => {
    const said = await refusedWith(
      new ApiError(429, 'rate_limited', 'Too many failed attempts at an enrolment code from this device; try again later.', {}, '44'),
    )
    expect(said.kk).toBe('Код тым көп рет қате енгізілді. 1 минуттан кейін қайталаңыз немесе кезекшіден жаңа код сұраңыз.')
    expect(said.ru).toBe('Слишком много неверных попыток ввода кода. Повторите через 1 мин или попросите у дежурного новый код.')
    const later = await refusedWith(new ApiError(429, 'rate_limited', 'Too many…', {}, '600'))
    expect(later.ru).toContain('через 10 мин')
  })

  it('a server in trouble: no English from it on the screen', async () => {
    const said = await refusedWith(new ApiError(503, 'unavailable', 'Service temporarily unavailable.'))
    expect(said.kk).toBe('Сервер жауап бермеді. Бір минуттан кейін қайталаңыз.')
    expect(said.ru).toBe('Сервер не ответил. Повторите через минуту.')
  })
})
