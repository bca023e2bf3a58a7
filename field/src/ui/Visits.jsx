import { useEffect } from 'preact/hooks'
import { useDraft, useSubmitOnce } from './hooks.js'
import { followUpRows, owedCounts, shownFollowUp } from '../followups.js'
import { formatAge, formatTime } from '../format.js'
import { label, t } from '../i18n.js'
import { CallNumber, FactItem, IncidentFacts, RiskFlags, placeOf, verdictText } from './Calls.jsx'

// The units that owe DV follow-up visits (the server gives a visit to the okrug's district
// inspector, else to the district's DV inspector): they always have the tab.
const VISITING_UNITS = new Set(['district_inspector', 'dv_inspector'])

/** Calls | Visits, for an officer whose unit owes follow-up visits (an inspector): the
 * badge counts the visits owed, red while any is overdue. Nothing for other units. */
export function Tabs({ state, route }) {
  const { lang, unit } = state
  const rows = followUpRows(state)
  if (!rows.length && !VISITING_UNITS.has(unit?.type)) return null
  const { owed, overdue } = owedCounts(rows)
  const onVisits = route.name === 'visits'
  return (
    <nav class="tabs">
      <a class="tab" href="#/" aria-current={onVisits ? undefined : 'page'}>
        {t(lang, 'calls_tab')}
      </a>
      <a class="tab" href="#/visits" aria-current={onVisits ? 'page' : undefined}>
        {t(lang, 'visits_tab')}
        {owed > 0 && (
          <span
            class={overdue ? 'badge overdue' : 'badge'}
            title={t(lang, 'visits_badge', { n: owed, late: overdue })}
            aria-label={t(lang, 'visits_badge', { n: owed, late: overdue })}
          >
            {owed}
          </span>
        )}
      </a>
    </nav>
  )
}

function Due({ lang, row, now }) {
  return (
    <>
      <span class="due">{t(lang, 'visit_due', { t: formatTime(lang, row.followUp.due_at, now) })}</span>
      {row.overdue && (
        <strong class="overdue">{t(lang, 'visit_overdue', { t: formatAge(lang, row.followUp.due_at, now) })}</strong>
      )}
    </>
  )
}

/** A row's time: made, or due and by how much it is overdue; and what became of this
 * phone's visit unless it was simply accepted (waiting, someone else's first, refused). */
function VisitWhen({ lang, row, now }) {
  const { verdict } = row
  return (
    <span class="visit-when">
      {row.made ? (
        <span class={row.pending && row.followUp.done_at == null ? 'made-at unsent' : 'made-at'}>
          {t(lang, 'visit_made_at', { t: formatTime(lang, row.at, now) })}
        </span>
      ) : (
        <Due lang={lang} row={row} now={now} />
      )}
      {verdict && verdict.tone !== 'ok' && (
        <span class={verdict.tone === 'waiting' ? 'pending' : 'visit-warn'}>{verdictText(lang, verdict)}</span>
      )}
    </span>
  )
}

/** The stripe's colour: made (green) only once the server has the visit — one still on the
 * phone is amber, as its words are (it stood green beside "ждёт связи"). */
function tone(row) {
  if (row.made) return row.pending && row.followUp.done_at == null ? 'unsent' : 'made'
  return row.overdue ? 'overdue' : 'owed'
}

export function VisitList({ state }) {
  const { lang, now } = state
  const rows = followUpRows(state)
  const owed = rows.filter((r) => !r.made)
  const made = rows.filter((r) => r.made)
  const item = (row) => {
    const { followUp, incident } = row
    return (
      <li key={followUp.id}>
        <a class={`call visit visit-${tone(row)}`} href={`#/v/${followUp.id}`}>
          <span class="call-top">
            <span class="category">{incident ? label(lang, 'category', incident.category) : '…'}</span>
            {incident?.number && (
              <span class="number">
                <CallNumber number={incident.number} />
              </span>
            )}
          </span>
          <span class="call-place">{[placeOf(state, incident), incident?.landmark].filter(Boolean).join(' · ')}</span>
          <VisitWhen lang={lang} row={row} now={now} />
          {row.made && row.note && <span class="visit-note">{row.note}</span>}
          {!row.made && incident && <RiskFlags lang={lang} incident={incident} compact now={now} />}
        </a>
      </li>
    )
  }
  return (
    <main class="screen list visits">
      <h1>{t(lang, 'visits_title')}</h1>
      <p class="hint">{t(lang, 'visits_hint')}</p>
      {owed.length === 0 && <p class="empty">{t(lang, 'visits_none')}</p>}
      <ul class="calls">{owed.map(item)}</ul>
      {made.length > 0 && (
        <>
          <h2>{t(lang, 'visits_made')}</h2>
          <ul class="calls made">{made.map(item)}</ul>
        </>
      )}
    </main>
  )
}

function VisitForm({ app, lang, followUp }) {
  const [text, setText] = useDraft(app, `visit:${followUp.id}`)
  const [busy, submitOnce] = useSubmitOnce()
  const submit = submitOnce(async () => {
    const recorded = await app.followUpVisit(followUp.id, text.trim())
    if (recorded) setText('')
  })
  return (
    <form class="visit-form" onSubmit={submit}>
      <h2>{t(lang, 'visit_form')}</h2>
      <label for="visit-text">
        {t(lang, 'visit_text')} <span class="optional">{t(lang, 'visit_optional')}</span>
      </label>
      <textarea id="visit-text" rows={4} maxLength={4000} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      <button class="big primary" type="submit" disabled={busy}>
        {t(lang, 'visit_record')}
      </button>
    </form>
  )
}

/** A follow-up: the call as the call screen shows it, then the visit — the form while it is
 * owed and this phone has recorded none, else the visit made and what became of this
 * phone's. */
export function VisitDetail({ app, state, id }) {
  const { lang, data, now, answers } = state
  const followUp = (data.followUps ?? []).find((f) => f.id === id)
  useEffect(() => app.locateOnce(), [id])
  if (!followUp) {
    return (
      <main class="screen detail">
        <a class="back" href="#/visits">{t(lang, 'back')}</a>
        <p class="empty">{t(lang, 'visit_gone')}</p>
      </main>
    )
  }
  const row = shownFollowUp(followUp, state)
  const { incident, visit } = row
  const unsent = row.pending && followUp.done_at == null
  return (
    <main class="screen detail visit">
      <a class="back" href="#/visits">{t(lang, 'back')}</a>
      <header class={`detail-head visit-${tone(row)}`}>
        <span class="visit-kind">{label(lang, 'event_kind', 'follow_up_visit')}</span>
        <h1>{incident ? label(lang, 'category', incident.category) : '…'}</h1>
        <p class="status-line">
          <Due lang={lang} row={row} now={now} />
        </p>
        {incident?.number && (
          <p class="number">
            <CallNumber number={incident.number} />
          </p>
        )}
        {incident && <p class="status-line">{t(lang, 'visit_call', { t: formatTime(lang, incident.received_at, now) })}</p>}
      </header>
      {incident && <IncidentFacts state={state} incident={incident} />}
      {incident && <RiskFlags lang={lang} incident={incident} now={now} />}
      {row.made && (
        <section class="visit-result">
          {/* Green "Visit made" over a visit still on the phone read as one the district had:
              the waiting was said only under "my facts", at the foot of the screen. */}
          <h2 class={unsent ? 'saved pending' : 'saved'}>
            {t(lang, unsent ? 'visit_made_unsent' : 'visit_made_at', { t: formatTime(lang, row.at, now) })}
          </h2>
          {row.note && <p class="visit-note">{row.note}</p>}
        </section>
      )}
      {!row.made && !visit && <VisitForm app={app} lang={lang} followUp={followUp} />}
      {visit && (
        <section class="timeline">
          <h2>{t(lang, 'timeline')}</h2>
          <ol>
            <FactItem lang={lang} event={visit} answer={answers[visit.id]} now={now} />
          </ol>
        </section>
      )}
    </main>
  )
}
