// The app's one controller: it owns the database, the sync engine, the socket and the
// position watcher, turns taps into events, and publishes one state object to the screens.
import { alertWords, callAlerts, keepsRinging, seenAs, unreadMessage } from './alerts.js'
import { Api, ApiError, NetworkError } from './api.js'
import { retryAfterMs } from './backoff.js'
import { DeviceClock, randomId } from './clock.js'
import { TABLES, flush, openDatabase, raws } from './db.js'
import { eventColumns, isFresh, recordEvent, sosPayload } from './events.js'
import { ownEvents } from './facts.js'
import { VISIT_KIND, ownVisit } from './followups.js'
import { distanceM } from './format.js'
import { normaliseLanguage, phoneLanguage, t } from './i18n.js'
import { isWithdrawn } from './lifecycle.js'
import { shouldReport } from './position.js'
import { RING_AGAIN_MS, Ringer } from './ringer.js'
import { KEYS, SyncEngine, noteIgnored, pushRecord } from './sync.js'
import { LiveSocket, socketUrl } from './socket.js'

export const APP_VERSION = '1.0.0'
const POSITION_SYNC_MS = 60_000
// A milestone tapped again this soon after the same one on the same call is the same tap.
export const DOUBLE_TAP_MS = 3_000

export class Store {
  constructor(state) {
    this.state = state
    this.listeners = new Set()
  }

  // Arrow functions: the screen's hook takes them as they are (stable, bound).
  get = () => this.state

  set(patch) {
    this.state = { ...this.state, ...patch }
    for (const listener of this.listeners) listener(this.state)
  }

  subscribe = (listener) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}

const EMPTY_DATA = { assignments: [], incidents: {}, events: [], units: {}, settlements: {}, followUps: [] }

export class FieldApp {
  constructor({ window: win = globalThis.window } = {}) {
    this.window = win
    this.clock = new DeviceClock()
    this.store = new Store({
      phase: 'loading',
      lang: phoneLanguage(win?.navigator),
      officer: null,
      unit: null,
      deviceId: null,
      data: EMPTY_DATA,
      answers: {},
      ignored: {}, // what the server did not read of this phone's facts (sync.js KEYS.ignored)
      sync: null,
      online: win.navigator.onLine,
      onDuty: false,
      position: { fix: null, denied: false },
      notice: null,
      alerts: [],
      notifications: 'unsupported',
      push: null,
      handover: false, // the enrol screen is the next officer's: the phone is being handed over
      handoverUnsent: 0, // the facts a "Hand this phone over" could not send (the screen says so)
      handoverDrafts: [], // the calls with words typed and not recorded when he tried to hand over
      now: Date.now(),
    })
    this.ringer = new Ringer(win)
    this._seen = {}
    this._safetyAnswered = {} // assignment id → the safety_check_at answered "I'm OK" to
    this._drafts = {} // "note:<assignment>" and the like → what the officer typed, not recorded yet
    this._rung = new Set()
    this._ringTimer = null
    this.database = null
    this.engine = null
    this.socket = null
    this._token = null
    this._watch = null
    this._lastReported = null
    this._delivering = new Set()
    this._visiting = new Set()
    this._tapped = new Map() // "assignment:milestone" or "unit_status" → {what, at, recording}: the double tap guard
    this._reading = new Set() // desk messages a `read` fact is being recorded for
    this._unsubscribe = null
  }

  get state() {
    return this.store.get()
  }

  async start() {
    this.database = openDatabase({
      onSetUpError: (error) => this.store.set({ phase: 'broken', notice: String(error) }),
    })
    this.api = new Api({
      clock: this.clock,
      getToken: async () => this._token,
      onIgnored: (request, keys) => this._requestIgnored(request, keys),
    })
    const storage = this.database.localStorage
    if (!(await storage.get(KEYS.installId))) await storage.set(KEYS.installId, `web-${randomId(24)}`)
    const [token, officer, unit, language, revoked, onDuty, deviceId, handingOver] = await Promise.all([
      storage.get(KEYS.token),
      storage.get(KEYS.officer),
      storage.get(KEYS.unit),
      storage.get(KEYS.language),
      storage.get(KEYS.revokedNotice),
      storage.get(KEYS.onDuty),
      storage.get(KEYS.deviceId),
      storage.get(KEYS.handover),
    ])
    this._token = token ?? null
    this.store.set({
      officer: officer ?? null,
      unit: unit ?? null,
      deviceId: deviceId ?? null,
      lang: normaliseLanguage(language ?? officer?.language ?? phoneLanguage(this.window.navigator)),
      onDuty: Boolean(onDuty),
    })
    this.window.addEventListener('online', () => this._coverage(true))
    this.window.addEventListener('offline', () => this._coverage(false))
    // Back on the screen (the phone slept in a pocket): sync now and ask whether the socket
    // still answers; the screen showed what it had before the sleep, the live dot on.
    this.window.document?.addEventListener('visibilitychange', () => this._visible())
    this.window.setInterval(() => this.store.set({ now: Date.now() }), 30_000)
    if (revoked) {
      this.store.set({ phase: 'revoked' })
    } else if (this._token && handingOver) {
      // Handed over, the next officer's code not yet typed: the phone stays his colleague's
      // no longer (handOver)
      this.store.set({ phase: 'enrol', handover: true })
    } else if (this._token) {
      await this._run()
    } else {
      this.store.set({ phase: 'enrol' })
    }
  }

  /** Another tab of the app is open: say so and touch nothing. */
  secondTab() {
    this.store.set({ phase: 'second_tab' })
  }

  // -- enrolment and revocation --

  async enrol(code) {
    const storage = this.database.localStorage
    const installId = await storage.get(KEYS.installId)
    const nav = this.window.navigator
    const device = {
      platform: 'web',
      model: (nav.userAgentData?.platform || nav.platform || 'browser').slice(0, 64),
      app_version: APP_VERSION,
      install_id: installId,
    }
    try {
      let body
      try {
        body = await this.api.enroll(code.trim(), device)
      } catch (error) {
        if (!(error instanceof ApiError && error.code === 'device_revoked')) throw error
        // The token this phone held was revoked while it was out of coverage (a handover
        // through the desk, a phone reported lost): the server enrols no one on it until the
        // phone has erased what it was told to (docs/protocol.md §1, *Tokens*). Erase, as a
        // revocation heard on a pull would, and send the same code again, now without it.
        // (An engine of its own: the app's would turn this screen into the "revoked" one.)
        this.engine?.stop()
        await new SyncEngine({ database: this.database, api: this.api }).wipe()
        this._token = null
        this.store.set({ data: EMPTY_DATA, answers: {}, alerts: [] })
        this._quiet()
        body = await this.api.enroll(code.trim(), device)
      }
      await storage.set(KEYS.token, body.token)
      await storage.set(KEYS.deviceId, body.device_id)
      await storage.set(KEYS.officer, body.officer)
      await storage.set(KEYS.unit, body.unit)
      await storage.remove(KEYS.revokedNotice)
      await storage.remove(KEYS.handover)
      const handedOver = this.state.handover
      if (handedOver) {
        // The next officer starts off duty (the phone reports no position under his name
        // before he says he is on duty) and reads in his own language, not his colleague's.
        await storage.set(KEYS.onDuty, false)
        await storage.remove(KEYS.language)
        await this._forgetOfficer()
      }
      await flush(this.database)
      this._token = body.token
      const chosen = await storage.get(KEYS.language)
      if (handedOver) this.store.set({ onDuty: false, answers: {}, alerts: [], notice: null })
      this.store.set({
        officer: body.officer,
        unit: body.unit,
        deviceId: body.device_id,
        lang: normaliseLanguage(chosen ?? body.officer?.language),
      })
      this.store.set({ handover: false })
      await this._run()
      return { ok: true }
    } catch (error) {
      if (error instanceof NetworkError) return { ok: false, key: 'enrol_offline' }
      if (error instanceof ApiError && error.status === 401) return { ok: false, key: 'enrol_bad_code' }
      if (error instanceof ApiError && error.status === 403) return { ok: false, key: 'enrol_forbidden' }
      if (error instanceof ApiError && error.code === 'install_in_use') return { ok: false, key: 'enrol_install_in_use' }
      // The server's words are English: a code mistyped ten times read "Тіркеу сәтсіз
      // аяқталды: Too many failed attempts at an enrolment code…" on a Kazakh screen.
      if (error instanceof ApiError && error.status === 429) {
        const minutes = Math.max(1, Math.ceil((retryAfterMs(error.retryAfter) ?? 60_000) / 60_000))
        return { ok: false, key: 'enrol_rate_limited', params: { minutes } }
      }
      if (error instanceof ApiError && error.status >= 500) return { ok: false, key: 'enrol_server' }
      return { ok: false, key: 'enrol_failed', params: { detail: error?.detail || error?.message || '' } }
    }
  }

  /** The officer's facts in the outbox, counted as the sync line counts them: the phone's own
   * position reports are left out (they wait too, and go with the next push whatever). */
  async unsentCount() {
    const events = await this.database.get('events').query().fetch()
    return events.filter((e) => e._raw._status === 'created' && e._raw.kind !== 'location').length
  }

  /** "Hand this phone over", the officer ending his shift: sync first, so what he recorded
   * reaches the server under his own device. ``{unsent: 0}``: the phone now shows the enrol
   * screen for the next officer (handOver); otherwise ``{unsent: n}`` and nothing changed —
   * the screen says so, and the officer may try again or hand over keeping them. */
  async prepareHandover() {
    await this.engine?.request()
    const unsent = await this.unsentCount()
    // Words typed and not recorded are erased with the officer (_forgetOfficer): the phone
    // says on which calls first, as it does for the facts not sent.
    const drafts = this.draftCalls()
    if (unsent === 0 && drafts.length === 0) await this.handOver()
    else this.store.set({ handoverUnsent: unsent, handoverDrafts: drafts })
    return drafts.length ? { unsent, drafts } : { unsent }
  }

  /** The calls (their numbers, "№ …") and visits with words typed and not recorded. */
  draftCalls() {
    const { data } = this.state
    const numbers = new Set()
    for (const [key, value] of Object.entries(this._drafts)) {
      if (!value) continue
      const [kind, id] = key.split(':')
      const incidentId =
        kind === 'visit'
          ? (data.followUps ?? []).find((f) => f.id === id)?.incident_id
          : data.assignments.find((a) => a.id === id)?.incident_id
      const number = data.incidents[incidentId]?.number
      if (number) numbers.add(`№\u00a0${number}`) // "№" held to its number at 360 px
    }
    return [...numbers]
  }

  /** Stops syncing and shows the enrol screen for the next officer, KEEPING the token: the
   * enrolment request carries it, the proof that hands this install over (docs/protocol.md §1,
   * *Tokens*), and the outbox is kept — facts still in it are pushed after the enrolment
   * under the new device and reach the chief's review (`not_assignee`), never dropped.
   * Kept through a restart (KEYS.handover): the phone left on the table, Android closed the
   * app, and it opened again as the first officer's — his calls, his device syncing, his
   * position reported while the next officer carried it. Resolves once that is saved. */
  handOver() {
    this.socket?.stop()
    this.socket = null
    this.engine?.stop()
    this._stopWatch()
    this.store.set({ phase: 'enrol', handover: true, handoverUnsent: 0 })
    const storage = this.database.localStorage
    return storage.set(KEYS.handover, true).then(() => flush(this.database))
  }

  /** What the phone kept of the officer who handed it over that was his alone, forgotten once
   * the next officer is enrolled: the calls as he last saw them (the next officer is alerted
   * to the unit's calls, and to the desk's messages he has not read, as if the phone were new
   * to them), the safety checks he said "I'm OK" to (his word, not the next officer's), the
   * server's answers to the facts he sent (shown as the next officer's under "my facts", and
   * a refused visit barred the next officer's), the messages he was receipting, the visits
   * and taps under way, and his last reported position (the next officer's first fix on duty
   * waited up to ten minutes behind it). Not the outbox: the facts he did not send go under the
   * next officer's device (docs/protocol.md §1, *The outbox on a handover*). */
  async _forgetOfficer() {
    const storage = this.database.localStorage
    await storage.remove(KEYS.seen)
    await storage.remove(KEYS.safetyAnswered)
    await storage.remove(KEYS.answers)
    await storage.remove(KEYS.drafts)
    this._drafts = {}
    this._seen = {}
    this._safetyAnswered = {}
    this._rung = new Set()
    this._reading.clear()
    this._visiting.clear()
    this._tapped.clear()
    this._lastReported = null
  }

  /** The officer changed his mind on the enrol screen of a handover: the app as it was. */
  async cancelHandover() {
    await this.database.localStorage.remove(KEYS.handover)
    await flush(this.database)
    this.store.set({ handover: false })
    await this._run()
  }

  /** The server no longer knows this phone's token: enrol again, keeping the outbox. */
  reenrol() {
    this.socket?.stop()
    this.engine?.stop()
    this.store.set({ phase: 'enrol' })
  }

  async acknowledgeRevoked() {
    await this.database.localStorage.remove(KEYS.revokedNotice)
    await flush(this.database)
    this.store.set({ phase: 'enrol', officer: null, unit: null, deviceId: null })
  }

  async _revoked() {
    this.socket?.stop()
    this._stopWatch()
    if (this.state.phase !== 'revoked') {
      this._drafts = {}
      await this.engine.wipe()
    }
  }

  // -- running --

  async _run() {
    this.engine?.stop()
    const engine = new SyncEngine({
      database: this.database,
      api: this.api,
      isOnline: () => this.window.navigator.onLine,
      onUnit: (unit) => this._unitNow(unit),
      // A 401 answering a token this phone no longer holds (a request in flight when the
      // phone was handed over, answered after the new enrolment) says nothing of this phone.
      isCurrentToken: (token) => token === this._token,
    })
    this.engine = engine
    // A stopped engine's late answers (the one before a handover) are not this phone's state.
    engine.subscribe((sync) => engine === this.engine && this._onSync(sync))
    await this.engine.load()
    await this._loadKept()
    this.store.set({ phase: 'ready', sync: this.engine.state, notifications: this.ringer.permission() })
    this._unsubscribe?.()
    const subscription = this.database
      .withChangesForTables(Object.keys(TABLES))
      .subscribe(() => this._refresh())
    this._unsubscribe = () => subscription.unsubscribe()
    await this._refresh()
    // An SOS still in the outbox when the app opens (Android closed it in a white spot after
    // the press): its notice again, saying the desk does not have it yet — the phone opened
    // with only the header's "SOS" in italics.
    if (this.state.data.events.some((e) => e.kind === 'sos' && e._status === 'created')) {
      this.store.set({ notice: 'sos_sent' })
    }
    this.socket?.stop()
    // A frame or a close of a socket stopped since (the one before a handover, opened with
    // the old token) must not end the phone's new enrolment: only the current socket counts.
    const socket = new LiveSocket({
      url: socketUrl(this.window.location),
      getToken: async () => this._token,
      clock: this.clock,
      onFrame: (frame) => socket === this.socket && this._onFrame(frame),
      onOpenChange: (open) => socket === this.socket && this.engine.setSocketOpen(open),
      onRevoked: () => socket === this.socket && this._revoked(),
      onUnauthenticated: () => socket === this.socket && this.engine._set({ problem: 'unauthenticated' }),
    })
    this.socket = socket
    if (this.state.onDuty) this._startWatch()
    this.engine.request()
    this.socket.start()
    this._subscribePush()
  }

  /** The unit the server built this phone's scope for (a new snapshot says): the officer
   * may have moved to another unit, or been taken off one, since the phone was enrolled. */
  async _unitNow(unit) {
    const current = this.state.unit
    if ((current?.id ?? null) === (unit?.id ?? null) && current?.callsign === unit?.callsign) return
    await this.database.localStorage.set(KEYS.unit, unit)
    this.store.set({ unit })
  }

  _onSync(sync) {
    const patch = { sync }
    if (sync.problem === 'revoked') {
      this.socket?.stop()
      this._stopWatch()
      this._token = null
      patch.phase = 'revoked'
      patch.data = EMPTY_DATA
      patch.answers = {}
      patch.ignored = {}
      patch.alerts = []
      this._quiet()
    }
    this.store.set(patch)
  }

  /** The phone erased its calls (a revocation): it rings for none of them any more — the
   * revoked screen rang every 20 s for a call it no longer had — and the system notifications
   * it showed for them (a call's category and place, on the lock screen) are taken away. */
  _quiet() {
    if (this._ringTimer != null) this.window.clearInterval(this._ringTimer)
    this._ringTimer = null
    this.window.navigator?.serviceWorker?.ready
      .then((registration) => registration.getNotifications?.())
      .then((shown) => {
        for (const notification of shown ?? []) notification.close()
      })
      .catch(() => {})
  }

  _coverage(online) {
    this.store.set({ online })
    if (!this.engine) return
    if (online) {
      this._subscribePush()
      this.engine.request()
      this.socket?.kick()
      this.socket?.check() // open, but through the network that just went
    } else {
      this.socket?.suspend()
    }
  }

  _visible() {
    if (this.window.document.visibilityState !== 'visible' || !this.engine) return
    this.engine.request()
    this.socket?.check()
  }

  async _onFrame(frame) {
    if (!frame || !this.engine) return
    if (frame.type === 'changes') {
      await this.engine.applyFrame(frame.changes, frame.timestamp)
    } else if (frame.type === 'hello' || frame.type === 'pong' || frame.type === 'poke') {
      await this.engine.noteCursor(frame.timestamp)
    } else if (frame.type === 'error' && frame.error === 'device_revoked') {
      await this._revoked()
    }
  }

  /** The server did not read keys of a request itself (api.js ``onIgnored``): kept beside what
   * it did not read of the phone's facts, for the unit screen's "About the app". */
  async _requestIgnored(request, keys) {
    if (!this.database || this.state.phase === 'revoked') return
    const now = Date.now()
    const storage = this.database.localStorage
    if (await noteIgnored(storage, [{ id: `request:${request}`, request, keys, at: now }], now)) {
      this.store.set({ ignored: (await storage.get(KEYS.ignored)) ?? {} })
    }
  }

  async _refresh() {
    if (!this.database || this.state.phase === 'revoked') return
    const all = {}
    for (const table of Object.keys(TABLES)) {
      all[table] = raws(await this.database.get(table).query().fetch())
    }
    const byId = (rows) => Object.fromEntries(rows.map((r) => [r.id, r]))
    const answers = (await this.database.localStorage.get(KEYS.answers)) ?? {}
    const ignored = (await this.database.localStorage.get(KEYS.ignored)) ?? {}
    this.store.set({
      data: {
        assignments: all.assignments,
        incidents: byId(all.incidents),
        events: all.events,
        units: byId(all.units),
        settlements: byId(all.settlements),
        followUps: all.follow_ups,
      },
      answers,
      ignored,
    })
    this._sosClearedByDesk(all.units)
    await this._pruneDrafts(all.assignments, all.follow_ups)
    await this._alert()
    await this._sendReceipts(all.assignments, all.events)
  }

  // -- alerts: what the officer must notice (alerts.js) --

  /** The alerts for what the phone now holds: shown, rung once each (a call nobody answered
   * again every RING_AGAIN_MS), and told by the system while the app is not on the screen. */
  async _alert() {
    const { data, deviceId } = this.state
    const { alerts, silentlySeen } = callAlerts({
      assignments: data.assignments,
      incidents: data.incidents,
      ownEvents: ownEvents(data.events, deviceId),
      events: data.events,
      seen: this._seen,
      answered: this._safetyAnswered,
    })
    // (kept before the alerts are shown, written to the phone after: nothing between working
    // them out and showing them waits, so no other turn of this can show older ones after it)
    const saved = Object.keys(silentlySeen).length ? this._saveSeen({ ...this._seen, ...silentlySeen }) : null
    this.store.set({ alerts })
    const key = (a) => `${a.assignmentId}:${a.kind}:${a.priority}:${a.dv ? 'dv' : ''}:${a.eventId ?? a.checkAt ?? ''}`
    const fresh = alerts.filter((a) => !this._rung.has(key(a)))
    this._rung = new Set(alerts.map(key))
    if (fresh.length) {
      this.ringer.ring(fresh[0].kind)
      for (const alert of fresh) {
        const { title, body } = alertWords(this.state.lang, alert, data)
        this.ringer.notify({ tag: `call-${alert.assignmentId}`, title, body, url: `/app/#/a/${alert.assignmentId}` })
      }
    }
    this._ringAgain(alerts)
    await saved
  }

  _ringAgain(alerts) {
    if (!keepsRinging(alerts)) {
      if (this._ringTimer != null) this.window.clearInterval(this._ringTimer)
      this._ringTimer = null
    } else if (this._ringTimer == null) {
      this._ringTimer = this.window.setInterval(() => {
        if (keepsRinging(this.state.alerts)) this.ringer.ring('new')
      }, RING_AGAIN_MS)
    }
  }

  /** What the phone keeps of the alerts between runs: the calls as the officer last saw them,
   * and the safety checks he said "I'm OK" to. */
  async _loadKept() {
    this._seen = (await this.database.localStorage.get(KEYS.seen)) ?? {}
    this._safetyAnswered = (await this.database.localStorage.get(KEYS.safetyAnswered)) ?? {}
    this._drafts = (await this.database.localStorage.get(KEYS.drafts)) ?? {}
  }

  /** What the officer typed in the box ``key`` ("note:<assignment>", "outcome:<assignment>:text",
   * "visit:<follow-up>", …) and has not recorded yet ("" for nothing). A note half typed was
   * lost when he left the call — a new call's alert tapped, the list, the SOS — or Android
   * closed the app in his pocket: the box came back empty. */
  draft(key) {
    return this._drafts[key] ?? ''
  }

  /** Keeps ``value`` as the draft of ``key`` ("" forgets it), on the phone too (LokiJS writes
   * it out within half a second): the returned promise is the write. */
  setDraft(key, value) {
    const drafts = { ...this._drafts }
    if (value) drafts[key] = value
    else delete drafts[key]
    this._drafts = drafts
    return this.database?.localStorage.set(KEYS.drafts, drafts)
  }

  /** Forgets the words typed on calls and visits no longer on the phone: a call closed or
   * taken off the unit leaves the phone's scope, and its half-typed note or outcome stayed in
   * the phone's storage for good — read by nobody, shown to nobody, and the next officer's
   * handover still named the call as text not recorded ("№ …", a call he never had). A call
   * still on the phone, ended or not, keeps its draft. Keys of another shape are kept. The
   * returned promise is the write (none when nothing went). */
  _pruneDrafts(assignments, followUps) {
    const onPhone = {
      note: new Set(assignments.map((a) => a.id)),
      outcome: new Set(assignments.map((a) => a.id)),
      visit: new Set(followUps.map((f) => f.id)),
    }
    const gone = Object.keys(this._drafts).filter((key) => {
      const [kind, id] = key.split(':')
      return onPhone[kind] != null && !onPhone[kind].has(id)
    })
    if (!gone.length || !this.database) return null
    const drafts = { ...this._drafts }
    for (const key of gone) delete drafts[key]
    this._drafts = drafts
    return this.database.localStorage.set(KEYS.drafts, drafts)
  }

  /** Keeps ``seen`` at once (the alerts are worked out from it) and writes it to the phone:
   * the returned promise is the write. */
  _saveSeen(seen) {
    this._seen = seen
    return this.database.localStorage.set(KEYS.seen, seen)
  }

  /** The officer has seen the call of ``assignmentId`` as it is now (opened it, or tapped its
   * alert): its alert goes, and a later change alerts again. */
  async seeCall(assignmentId) {
    const { data } = this.state
    const assignment = data.assignments.find((a) => a.id === assignmentId)
    if (!assignment || !this.database) return
    const reading = this._readMessages(assignment)
    await this._see(assignment)
    await reading
  }

  /** The officer's "OK" on the alert of a call taken off his unit (``assignmentId``): seen as
   * it is now, like opening it, so the alert goes for good (it stood over every screen all
   * shift unless he opened that call). Not a reading of the call: a desk message on it waits
   * for its ``read`` until he opens it. Only for a call taken off the unit: a new call, a
   * more urgent one or a message is seen by opening it. */
  async dismissAlert(assignmentId) {
    const assignment = this.state.data.assignments.find((a) => a.id === assignmentId)
    if (!assignment || !this.database || !isWithdrawn(assignment)) return
    await this._see(assignment)
  }

  async _see(assignment) {
    const { data } = this.state
    const seen = seenAs(assignment, data.incidents[assignment.incident_id], data.events)
    const before = this._seen[assignment.id]
    if (before && Object.keys(seen).every((k) => before[k] === seen[k])) return
    // The alert goes as the call opens, not once the phone's storage has written it down:
    // storage busy with a sync kept the banner over the opened call for seconds.
    const saved = this._saveSeen({ ...this._seen, [assignment.id]: seen })
    await this._alert()
    await saved
  }

  /** The officer opened the call: a ``read`` fact for the desk's messages on it he had not
   * read yet, naming the latest (docs/protocol.md §4) — one per opening that shows him a new
   * message, none when there is none. Written to the outbox like every fact, so a call read
   * in a white spot tells the desk once the phone is back. */
  async _readMessages(assignment) {
    const { data, deviceId } = this.state
    const latest = unreadMessage(data.events, ownEvents(data.events, deviceId), assignment)
    if (!latest || this._reading.has(latest.id)) return
    this._reading.add(latest.id)
    try {
      await this._record('read', assignment.id, { event_id: latest.id })
    } catch (error) {
      this._reading.delete(latest.id)
      throw error
    }
  }

  /** "I'm OK" to the duty desk's officer-safety check fired at ``checkAt`` on ``assignmentId``
   * (alerts.js: openSafetyCheck): a ``note`` in the officer's language — word from the crew,
   * which the server's next sweep answers the check by (docs/realtime.md) — written to the
   * outbox like every fact and sent at once. The alert goes as he taps, not when the server
   * has answered. Once per check from this phone: a second tap records nothing (null). */
  async answerSafetyCheck(assignmentId, checkAt) {
    if (!this.database || checkAt == null || this._safetyAnswered[assignmentId] === checkAt) return null
    const before = this._safetyAnswered
    this._safetyAnswered = { ...before, [assignmentId]: checkAt }
    await this._alert()
    try {
      const raw = await this._record('note', assignmentId, { text: t(this.state.lang, 'safety_ok_note') })
      this.socket?.send({ type: 'event', event: pushRecord(raw) })
      await this.database.localStorage.set(KEYS.safetyAnswered, this._safetyAnswered)
      return raw
    } catch (error) {
      this._safetyAnswered = before // not saved: the alert comes back for him to try again
      await this._alert()
      throw error
    }
  }

  /** Ask the phone to show alerts while the app is in the background. */
  async allowNotifications() {
    await this.ringer.askPermission()
    this.store.set({ notifications: this.ringer.permission() })
    await this._subscribePush()
  }

  /** With notifications allowed, give the server this phone's Web Push subscription, so a new
   * call wakes it even with the app frozen or closed (backend/devices/webpush.py). ``push``:
   * 'on'; 'off' (the server sends none), 'unsupported' (this browser has no push service),
   * 'failed' (tried again when the app next runs or the network comes back). */
  async _subscribePush() {
    if (this.ringer.permission() !== 'granted' || this.state.push === 'on' || !this.api) return
    try {
      const { public_key: key } = await this.api.webpush()
      if (!key) return this.store.set({ push: 'off' })
      const subscription = await this.ringer.pushSubscription(key)
      if (!subscription) return this.store.set({ push: 'unsupported' })
      await this.api.webpush(subscription)
      this.store.set({ push: 'on' })
    } catch (error) {
      console.warn('web push not subscribed', error)
      this.store.set({ push: 'failed' })
    }
  }

  /** The desk's "Officer safe — clear SOS" puts the unit back to work on the server: once the
   * server has said `sos` and then something else, "SOS recorded" goes (it stayed until the
   * officer tapped a status). Not before the server said `sos`: an SOS still waiting to be
   * sent keeps it. */
  _sosClearedByDesk(units) {
    const mine = this.state.unit && units.find((u) => String(u.id) === String(this.state.unit.id))
    if (!mine) return
    if (mine.status === 'sos') {
      this._sosOnServer = true
    } else if (this._sosOnServer) {
      this._sosOnServer = false
      if (this.state.notice === 'sos_sent') this.store.set({ notice: null })
    }
  }

  /** A `delivered` receipt for every assignment that reached this phone and has none yet. */
  async _sendReceipts(assignments, events) {
    const receipted = new Set(events.filter((e) => e.kind === 'delivered').map((e) => e.assignment_id))
    for (const assignment of assignments) {
      if (assignment.delivered_at != null || isWithdrawn(assignment) || assignment.status !== 'dispatched') continue
      if (receipted.has(assignment.id) || this._delivering.has(assignment.id)) continue
      this._delivering.add(assignment.id)
      const raw = await this._record('delivered', assignment.id, {}, { sync: false })
      this.socket?.send({ type: 'event', event: pushRecord(raw) })
      this.engine.request()
    }
  }

  // -- the officer's facts --

  async _record(kind, assignmentId, payload = {}, { sync = true, fix } = {}) {
    const columns = eventColumns({
      kind,
      assignmentId,
      payload,
      clock: this.clock,
      fix: fix ?? this.state.position.fix,
      now: Date.now(),
    })
    const raw = await recordEvent(this.database, columns)
    if (sync) this.engine.request()
    return raw
  }

  /** The officer tapped milestone ``kind`` on ``assignmentId``: recorded once for a tap that
   * lands twice — the same step on the same call again while the first is being recorded or
   * within DOUBLE_TAP_MS of it records nothing (null), whatever the screen did between (a
   * layout that moved, a screen that had not redrawn yet). Another step, or the same step on
   * another call, is recorded at once. */
  milestone(assignmentId, kind) {
    return this._oncePerTap(`${assignmentId}:${kind}`, kind, () => {
      this._statusChangedElsewhere()
      return this._record(kind, assignmentId)
    })
  }

  /** A milestone or an SOS changes the unit's status too: a status tapped after it, even the
   * one tapped just before, is the officer's (*Свободен*, SOS, *Свободен* leaves the SOS). */
  _statusChangedElsewhere() {
    this._tapped.delete('unit_status')
  }

  /** Records ``record()`` unless it is the second tap of a double tap: the last tap under
   * ``key`` was ``what`` too and is being recorded, or was within DOUBLE_TAP_MS (null then).
   * A tap whose fact was not saved does not count: the officer may tap again at once. */
  async _oncePerTap(key, what, record) {
    const now = Date.now()
    const last = this._tapped.get(key)
    if (last?.what === what && (last.recording || now - last.at < DOUBLE_TAP_MS)) return null
    const tap = { what, at: now, recording: true }
    this._tapped.set(key, tap)
    try {
      return await record()
    } catch (error) {
      if (this._tapped.get(key) === tap) this._tapped.delete(key) // not saved: he may tap again
      throw error
    } finally {
      tap.recording = false
    }
  }

  note(assignmentId, text) {
    return this._record('note', assignmentId, { text })
  }

  outcome(assignmentId, { code, text, registryKind, registryNumber, coaoArticle }) {
    const payload = { code }
    if (text) payload.text = text
    if (coaoArticle) payload.coao_article = coaoArticle
    if (registryKind && registryNumber) {
      payload.registry_kind = registryKind
      payload.registry_number = registryNumber
    }
    return this._record('outcome', assignmentId, payload)
  }

  /** The district inspector made the follow-up visit ``followUpId``; ``text``: what he
   * found ("" for nothing). Once per follow-up from this phone: a second tap (or a tap on a
   * visit recorded already) records nothing and returns null. */
  async followUpVisit(followUpId, text = '') {
    const { data, answers, deviceId } = this.state
    if (this._visiting.has(followUpId) || ownVisit({ id: followUpId }, { events: data.events, answers, deviceId })) {
      return null
    }
    this._visiting.add(followUpId)
    try {
      return await this._record(VISIT_KIND, null, { follow_up_id: followUpId, text })
    } catch (error) {
      this._visiting.delete(followUpId) // not saved: the officer may try again
      throw error
    }
  }

  /** The officer set his unit's status to ``status``: recorded once for a tap that lands
   * twice — the same status again while the first is being recorded or within DOUBLE_TAP_MS
   * of it records nothing (null). On a slow phone a double tap on *Свободен* put two status
   * changes in the outbox, and the desk's timeline and the chief's figures counted both.
   * Another status is recorded at once (a slip corrected: *Занят*, *Свободен*, *Занят*). */
  async unitStatus(status) {
    const raw = await this._oncePerTap('unit_status', status, () => this._record('unit_status', null, { status }))
    if (raw == null) return null
    // Setting a status is how the officer leaves SOS: "SOS recorded" stayed on screen after.
    if (this.state.notice === 'sos_sent') this.store.set({ notice: null })
    return raw
  }

  async sos() {
    this._statusChangedElsewhere()
    // A fresh fix rides on the event; an older one goes in the payload with its age: the
    // desk's "where" must not be empty because the officer was not on duty when it happened.
    const raw = await this._record('sos', null, sosPayload(this.state.position.fix, Date.now()))
    // The fastest way up when the socket is open; the push follows (duplicate on the server).
    this.socket?.send({ type: 'event', event: pushRecord(raw) })
    this.store.set({ notice: 'sos_sent' })
    if (!isFresh(this.state.position.fix, Date.now())) this._locateForSos()
    return raw
  }

  /** Without a fresh fix the SOS went up with an old one or none: ask for a fix now and send
   * it as the unit's position at once (the desk's banner follows it). */
  _locateForSos() {
    const geo = this.window.navigator.geolocation
    if (!geo) return
    geo.getCurrentPosition(
      async (p) => {
        const fix = fixOf(p)
        this.store.set({ position: { fix, denied: false } })
        const raw = await this._record('location', null, {}, { fix })
        this.socket?.send({ type: 'event', event: pushRecord(raw) })
      },
      () => {},
      { enableHighAccuracy: true, maximumAge: 0, timeout: 60_000 },
    )
  }

  syncNow() {
    this.socket?.kick()
    return this.engine?.request()
  }

  async setLanguage(lang) {
    const value = normaliseLanguage(lang)
    await this.database.localStorage.set(KEYS.language, value)
    this.store.set({ lang: value })
  }

  dismissNotice() {
    this.store.set({ notice: null })
  }

  // -- position while on duty --

  async setOnDuty(onDuty) {
    await this.database.localStorage.set(KEYS.onDuty, onDuty)
    this.store.set({ onDuty })
    if (onDuty) this._startWatch()
    else this._stopWatch()
  }

  locateOnce() {
    const geo = this.window.navigator.geolocation
    if (!geo || this.state.position.fix) return
    geo.getCurrentPosition(
      (p) => this._fix(p, { report: false }),
      () => {},
      { enableHighAccuracy: false, maximumAge: 120_000, timeout: 30_000 },
    )
  }

  _startWatch() {
    const geo = this.window.navigator.geolocation
    if (!geo || this._watch != null) return
    this._watch = geo.watchPosition(
      (p) => this._fix(p, { report: true }),
      (error) => {
        if (error.code === 1) this.store.set({ position: { ...this.state.position, denied: true } })
      },
      { enableHighAccuracy: true, maximumAge: 30_000, timeout: 120_000 },
    )
  }

  _stopWatch() {
    if (this._watch != null) this.window.navigator.geolocation?.clearWatch(this._watch)
    this._watch = null
  }

  async _fix(position, { report }) {
    const fix = fixOf(position)
    this.store.set({ position: { fix, denied: false } })
    if (!report || !this.state.onDuty || this.state.phase !== 'ready') return
    if (!shouldReport(this._lastReported, fix, distanceM)) return
    this._lastReported = fix
    // Positions ride with the next sync, at the latest a minute later: no request of
    // their own on a 2G link.
    await this._record('location', null, {}, { sync: false, fix })
    this.engine.requestWithin(POSITION_SYNC_MS)
  }
}

/** A browser position as the app keeps a fix. */
function fixOf(position) {
  return {
    lat: position.coords.latitude,
    lon: position.coords.longitude,
    accuracy: position.coords.accuracy,
    time: position.timestamp || Date.now(),
  }
}
