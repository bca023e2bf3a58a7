// The sync engine: WatermelonDB's stock synchronize() against /api/sync/v1/, driven by the
// app's triggers (start, coverage back, a recorded fact, a socket frame, a timer) and retried
// with backoff. docs/protocol.md and the Python reference client (sync/client.py) are the
// spec of what a client does; the differences are WatermelonDB's:
//
// - synchronize() pulls one page, then pushes. A page with has_more is followed at once by
//   another synchronize(); after a push one more pull collects the server's copies of the
//   events (their disposition), as the reference client's confirming pull does.
// - The outbox is WatermelonDB's: events with _status "created". A push whose answer is lost
//   leaves them "created"; they are sent again and the server answers `duplicate`.
// - A rejected event is not sent again (it is in the server's quarantine); its answer is kept
//   so the officer sees why.
// - 401 device_revoked: the local database is erased, and the app says so.
// - Migration sync: a phone whose database was migrated in place (db.js: migrations) sends
//   WatermelonDB's `migration` with its next pull and gets every record of the added tables
//   and columns it already had in scope (docs/protocol.md §3). Version 1 is the first
//   schema the app shipped, so every installed app can migrate.
import { synchronize } from '@nozbe/watermelondb/sync'
import { applyRemoteChanges } from '@nozbe/watermelondb/sync/impl'
import { ApiError, NetworkError } from './api.js'
import { retryAfterMs, retryDelayMs } from './backoff.js'
import { DEVICE_EVENT_COLUMNS, eraseDatabase, flush } from './db.js'

// Without a live socket the app still looks for new calls this often.
export const POLL_MS = 2 * 60 * 1000
// With a socket, pong carries the cursor every ping; a pull now and then is a safety net.
export const POLL_WITH_SOCKET_MS = 10 * 60 * 1000
const MAX_ANSWERS = 1000
const MAX_IGNORED = 100
const MAX_PAGES = 1000

export const KEYS = {
  token: 'kuzet_token',
  deviceId: 'kuzet_device_id',
  installId: 'kuzet_install_id',
  officer: 'kuzet_officer',
  unit: 'kuzet_unit',
  language: 'kuzet_language',
  lastSyncOk: 'kuzet_last_sync_ok',
  answers: 'kuzet_answers',
  revokedNotice: 'kuzet_revoked_notice',
  onDuty: 'kuzet_on_duty',
  // set while a phone handed over waits for the next officer's code (controller.js handOver)
  handover: 'kuzet_handover',
  seen: 'kuzet_seen_calls',
  // assignment id → the officer-safety check (its safety_check_at) answered "I'm OK" to
  safetyAnswered: 'kuzet_safety_answered',
  // what the officer was typing and has not recorded yet: "note:<assignment>" → text, …
  drafts: 'kuzet_drafts',
  // what the server did not read of this phone's own facts (docs/protocol.md §4, *Keys the
  // server does not read*): event id → { kind, at, keys, noted } — for the mobile team and
  // support, on the unit screen's "About the app"; never an alert
  ignored: 'kuzet_ignored',
}

/** The device columns of a local event, as a push sends them (PROTOCOL.md §5). */
export function pushRecord(raw) {
  const record = { id: raw.id }
  for (const column of DEVICE_EVENT_COLUMNS) record[column] = raw[column] ?? null
  record.payload = raw.payload || '{}'
  return record
}

/** The key names of an `ignored`: a push result's list, or a pulled event's JSON text of one
 * (docs/protocol.md §2, §4); anything else names nothing. */
export function ignoredKeys(value) {
  let keys = value
  if (typeof value === 'string') {
    try {
      keys = JSON.parse(value)
    } catch {
      return []
    }
  }
  return Array.isArray(keys) ? keys.filter((key) => typeof key === 'string') : []
}

/** Keeps what the server said it did not read of what this phone sent, on the phone: the newest
 * MAX_IGNORED, each once. Of its facts, one line an event — a push's results and a pull's own
 * events name the same keys (``id`` the event's, ``kind`` its kind); of a request itself, the
 * keys an answer's top-level ``ignored`` names (a query or body key: docs/protocol.md §4, *Keys
 * the server does not read*), one line a request (``request``: pull, push, enroll, webpush;
 * ``id`` ``request:<request>``). A key the app meant the server to read is a bug of the app, or
 * a server older than it: the mobile team's to see (the unit screen's "About the app"), not the
 * officer's to be alarmed by. ``notes``: { id, keys (a list, or a pull's JSON text of one),
 * kind | request, at }. Returns whether anything new was kept. */
export async function noteIgnored(storage, notes, now) {
  const found = notes
    .map((note) => ({ ...note, keys: ignoredKeys(note.keys) }))
    .filter((note) => typeof note.id === 'string' && note.keys.length)
  if (!found.length) return false
  const kept = (await storage.get(KEYS.ignored)) ?? {}
  let changed = false
  for (const { id, keys, kind, request, at } of found) {
    const before = kept[id]
    if (before && before.keys.join('\n') === keys.join('\n')) continue
    kept[id] = request
      ? { request, at: at ?? now, keys, noted: now }
      : { kind: kind ?? before?.kind ?? null, at: before?.at ?? at ?? null, keys, noted: now }
    changed = true
  }
  if (!changed) return false
  const ids = Object.keys(kept)
  if (ids.length > MAX_IGNORED) {
    ids.sort((a, b) => kept[a].noted - kept[b].noted)
    for (const id of ids.slice(0, ids.length - MAX_IGNORED)) delete kept[id]
  }
  await storage.set(KEYS.ignored, kept)
  return true
}

export class SyncEngine {
  constructor({
    database,
    api,
    now = () => Date.now(),
    timers = globalThis,
    random = Math.random,
    isOnline = () => true,
    onUnit = () => {},
    isCurrentToken = () => true,
  } = {}) {
    this.database = database
    this.isCurrentToken = isCurrentToken
    this.onUnit = onUnit
    this.api = api
    this.now = now
    this.timers = timers
    this.random = random
    this.isOnline = isOnline
    this.listeners = new Set()
    this.state = {
      syncing: false,
      reachable: true, // the last request got an HTTP answer
      lastSyncOk: null,
      nextRetryAt: null,
      problem: null, // null | 'offline' | 'server' | 'upgrade' | 'unauthenticated' | 'revoked'
      socketOpen: false,
    }
    this._running = null
    this._again = false
    this._attempt = 0
    this._timer = null
    this._stopped = false
    this._serial = Promise.resolve()
  }

  // -- state for the screens --

  subscribe(listener) {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  _set(patch) {
    this.state = { ...this.state, ...patch }
    for (const listener of this.listeners) listener(this.state)
  }

  async load() {
    const lastSyncOk = await this.database.localStorage.get(KEYS.lastSyncOk)
    this._set({ lastSyncOk: lastSyncOk ?? null })
  }

  stop() {
    this._stopped = true
    if (this._timer) this.timers.clearTimeout(this._timer)
    this._timer = null
  }

  setSocketOpen(open) {
    this._set({ socketOpen: open })
    if (open) this._schedule(POLL_WITH_SOCKET_MS)
    // The socket went: look again within the socketless interval. The 10 minutes planned
    // while it was open stood, and a call dispatched meanwhile waited for them.
    else this.requestWithin(POLL_MS)
  }

  // -- triggers --

  /** Sync now (coalesced: a request during a running sync runs once more after it). */
  request() {
    if (this._stopped) return Promise.resolve()
    if (this._running) {
      this._again = true
      return this._running
    }
    this._running = this._serialised(() => this._loop()).finally(() => {
      this._running = null
    })
    return this._running
  }

  /** A cursor from the socket (hello, pong, poke, changes): pull when it is ahead of ours. */
  async noteCursor(timestamp) {
    const ours = await this.lastPulledAt()
    if (typeof timestamp === 'number' && (ours == null || timestamp > ours)) await this.request()
  }

  /** A `changes` frame: show its records at once, then pull (docs/realtime.md) — unless a
   * pull already reached its commit: the pull brought each record as it is now, the frame as it
   * was at its commit, and applied after it the frame put older state back (a slow phone
   * handling the "on scene" frame after the pull that brought the desk's safety check lost the
   * check's alert, and no pull followed to mend it: the frame was not ahead of the cursor). */
  async applyFrame(changes, timestamp) {
    if (changes && typeof changes === 'object') {
      await this._serialised(async () => {
        const ours = await this.lastPulledAt()
        if (typeof timestamp === 'number' && ours != null && timestamp <= ours) return
        await this.database.write(async () => {
          await applyRemoteChanges(changes, { db: this.database, sendCreatedAsUpdated: true })
        }, 'kuzet-apply-frame')
      })
    }
    await this.noteCursor(timestamp)
  }

  async lastPulledAt() {
    const value = await this.database.adapter.getLocal('__watermelon_last_pulled_at')
    return value == null ? null : Number(value)
  }

  _serialised(task) {
    const run = this._serial.then(task, task)
    this._serial = run.catch(() => {})
    return run
  }

  /** Sync within ``delayMs`` at the latest (sooner if already due). */
  requestWithin(delayMs) {
    if (this._timer && this._timerAt <= this.now() + delayMs) return
    this._schedule(delayMs)
  }

  _schedule(delayMs) {
    if (this._stopped) return
    if (this._timer) this.timers.clearTimeout(this._timer)
    this._timerAt = this.now() + delayMs
    this._timer = this.timers.setTimeout(() => {
      this._timer = null
      this.request()
    }, delayMs)
  }

  async _loop() {
    do {
      this._again = false
      const ok = await this._syncOnce()
      if (!ok) return
    } while (this._again && !this._stopped)
  }

  /** One full round: pages until has_more is false, a push, a confirming pull. */
  async _syncOnce() {
    if (this._stopped) return false
    this._set({ syncing: true })
    try {
      let rounds = 0
      let more = true
      while (more) {
        if (++rounds > MAX_PAGES) {
          throw new ApiError(200, 'malformed', 'the server never stopped answering has_more')
        }
        const round = { hasMore: false, pushed: false }
        await this._synchronize(round)
        // has_more: the next page at once. After a push: one more pull, so the server's
        // copies of the events (with their disposition) arrive.
        more = round.hasMore || round.pushed
      }
      const at = this.now()
      await this.database.localStorage.set(KEYS.lastSyncOk, at)
      this._attempt = 0
      this._set({ syncing: false, reachable: true, lastSyncOk: at, nextRetryAt: null, problem: null })
      this._schedule(this.state.socketOpen ? POLL_WITH_SOCKET_MS : POLL_MS)
      return true
    } catch (error) {
      return this._failed(error)
    }
  }

  async _synchronize(round) {
    await synchronize({
      database: this.database,
      sendCreatedAsUpdated: true,
      migrationsEnabledAtVersion: 1,
      pullChanges: async ({ lastPulledAt, migration }) => {
        const body = await this.api.pull(lastPulledAt, migration)
        round.hasMore = Boolean(body.has_more)
        // An own event's `ignored` is no column of the local schema, and WatermelonDB drops it
        // on the way in: read here, or a reinstalled phone never learns what of its history
        // the server left unread (docs/protocol.md §2, *events*).
        const events = body.changes?.events
        await this._noteIgnored([...(events?.created ?? []), ...(events?.updated ?? [])].map((record) => ({
          id: record?.id, keys: record?.ignored, kind: record?.kind, at: record?.device_time ?? record?.estimated_at,
        })))
        const result = { changes: body.changes, timestamp: body.timestamp }
        if (body.experimentalStrategy) result.experimentalStrategy = body.experimentalStrategy
        // A new snapshot names the unit its scope was built for (docs/protocol.md §3): the
        // officer may have moved to another unit since this phone was enrolled.
        if ('unit' in body) await this.onUnit(body.unit ?? null)
        return result
      },
      pushChanges: async ({ changes, lastPulledAt }) => {
        const created = changes.events?.created ?? []
        if (!created.length) return {}
        const body = await this.api.push(created.map(pushRecord), lastPulledAt)
        round.pushed = true
        await this._keepAnswers(created, body.results)
        const byId = new Map(created.map((raw) => [raw.id, raw]))
        await this._noteIgnored(body.results.map((result) => ({
          id: result?.id, keys: result?.ignored, kind: byId.get(result?.id)?.kind, at: byId.get(result?.id)?.device_time,
        })))
        return {}
      },
    })
    await flush(this.database)
  }

  async _keepAnswers(sent, results) {
    if (!Array.isArray(results)) {
      throw new ApiError(200, 'malformed', 'a push answer needs results')
    }
    const answers = (await this.database.localStorage.get(KEYS.answers)) ?? {}
    const byId = new Map(sent.map((raw) => [raw.id, raw]))
    for (const result of results) {
      if (!result || typeof result.id !== 'string') continue
      const raw = byId.get(result.id)
      answers[result.id] = {
        status: result.status,
        disposition: result.disposition ?? null,
        reason: result.reason ?? null,
        detail: result.detail ?? null,
        kind: raw?.kind ?? null,
        assignment_id: raw?.assignment_id ?? null,
        device_time: raw?.device_time ?? null,
        // What the fact was about where no assignment says it (a follow-up visit's
        // follow_up_id), for a refusal shown after its record left the phone.
        payload: raw?.payload ?? null,
        at: this.now(),
      }
    }
    const ids = Object.keys(answers)
    if (ids.length > MAX_ANSWERS) {
      ids.sort((a, b) => answers[a].at - answers[b].at)
      for (const id of ids.slice(0, ids.length - MAX_ANSWERS)) delete answers[id]
    }
    await this.database.localStorage.set(KEYS.answers, answers)
  }

  /** Keeps what the server said it did not read of this phone's facts (``noteIgnored``). */
  async _noteIgnored(notes) {
    await noteIgnored(this.database.localStorage, notes, this.now())
  }

  async _failed(error) {
    // A 401 for a token the phone no longer holds (sent before a handover, answered after the
    // new enrolment): the old device's end, not this one's — wiping here erased the new
    // officer's enrolment and the facts not yet sent. A stopped engine acts on nothing.
    if (error instanceof ApiError && error.status === 401 && 'token' in error && !this.isCurrentToken(error.token)) {
      return false
    }
    if (this._stopped) return false
    if (error instanceof ApiError && error.code === 'device_revoked') {
      await this.wipe()
      return false
    }
    if (error instanceof ApiError && error.status === 401) {
      this._set({ syncing: false, reachable: true, problem: 'unauthenticated', nextRetryAt: null })
      return false
    }
    if (error instanceof ApiError && error.code === 'upgrade_required') {
      this._set({ syncing: false, reachable: true, problem: 'upgrade', nextRetryAt: null })
      return false
    }
    this._attempt += 1
    const network = error instanceof NetworkError
    const retryAfter = error instanceof ApiError ? retryAfterMs(error.retryAfter) : null
    const delay = retryAfter ?? retryDelayMs(this._attempt, { random: this.random })
    const nextRetryAt = this.now() + delay
    this._set({
      syncing: false,
      reachable: !network,
      problem: network ? 'offline' : 'server',
      nextRetryAt,
    })
    if (!(error instanceof NetworkError) && !(error instanceof ApiError)) {
      // A bug, not the network: keep it visible in the console for whoever debugs the phone.
      console.error('sync failed', error)
    }
    this._schedule(delay)
    return false
  }

  /** The device was revoked: erase every local record and key; keep only the install id
   * and the chosen screen language (neither is case data). */
  async wipe() {
    this.stop()
    const installId = await this.database.localStorage.get(KEYS.installId)
    const language = await this.database.localStorage.get(KEYS.language)
    await eraseDatabase(this.database, 'kuzet-wipe')
    if (installId) await this.database.localStorage.set(KEYS.installId, installId)
    if (language) await this.database.localStorage.set(KEYS.language, language)
    await this.database.localStorage.set(KEYS.revokedNotice, true)
    await flush(this.database)
    this._set({ syncing: false, problem: 'revoked', nextRetryAt: null, lastSyncOk: null })
  }
}
