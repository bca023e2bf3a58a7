// HTTP side of the sync protocol (docs/protocol.md §1, §7): enrol, pull, push. One attempt
// per call; the sync engine decides when to try again. Every request carries X-Device-Clock;
// push bodies are gzip-compressed where the browser can (CompressionStream) — on 2G every
// byte counts — and responses come back gzip-compressed by the browser's own negotiation.

export const API = '/api/sync/v1'
// Protocol schema version (sync/protocol.py: SCHEMA_VERSION), not WatermelonDB's local one
// (db.js): 3 brought the `follow_ups` table, 4 brings `settlements.name_kk`.
export const PROTOCOL_SCHEMA_VERSION = 4
const TIMEOUT_MS = 60_000
const GZIP_MIN_BYTES = 512

/** The request never got an HTTP answer (no coverage, timeout, connection reset). */
export class NetworkError extends Error {
  constructor(message) {
    super(message)
    this.name = 'NetworkError'
  }
}

/** The server answered with an error body {error, detail}. */
export class ApiError extends Error {
  constructor(status, code, detail, body = {}, retryAfter = null) {
    super(`${status} ${code}: ${detail}`)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.detail = detail
    this.body = body
    this.retryAfter = retryAfter
  }

  /** Worth trying again later as is: server trouble or the rate limit. */
  get transient() {
    return this.status >= 500 || this.status === 429
  }
}

export async function gzip(text) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

export class Api {
  /** ``onIgnored(request, keys)``: an answer named keys of the request itself — its query or
   * body — that the server did not read (its top-level ``ignored``, docs/protocol.md §4);
   * ``request`` is the endpoint (pull, push, enroll, webpush). The app keeps them for support. */
  constructor({ clock, getToken, fetchImpl = (...args) => globalThis.fetch(...args), base = '', compress, onIgnored } = {}) {
    this.clock = clock
    this.getToken = getToken
    this.onIgnored = onIgnored
    this.fetch = fetchImpl
    this.base = base
    this.compress = compress ?? typeof CompressionStream !== 'undefined'
    this.lastServerTime = null
  }

  async _request(method, path, { json, auth = true } = {}) {
    const headers = { Accept: 'application/json', 'X-Device-Clock': this.clock.header() }
    const token = auth ? ((await this.getToken()) ?? '') : null
    if (auth) headers.Authorization = `Device ${token}`
    let body
    if (json !== undefined) {
      headers['Content-Type'] = 'application/json'
      body = JSON.stringify(json)
      if (this.compress && body.length >= GZIP_MIN_BYTES) {
        body = await gzip(body)
        headers['Content-Encoding'] = 'gzip'
      }
    }
    const controller = typeof AbortController !== 'undefined' ? new AbortController() : null
    const timer = controller ? setTimeout(() => controller.abort(), TIMEOUT_MS) : null
    let response
    let text
    try {
      response = await this.fetch(`${this.base}${path}`, {
        method,
        headers,
        body,
        cache: 'no-store',
        credentials: 'omit',
        signal: controller?.signal,
      })
      text = await response.text()
    } catch (error) {
      throw new NetworkError(error?.message ?? String(error))
    } finally {
      if (timer) clearTimeout(timer)
    }
    let data = null
    try {
      data = text ? JSON.parse(text) : null
    } catch {
      data = null
    }
    if (data && typeof data.server_time === 'number') this.lastServerTime = data.server_time
    if (!response.ok) {
      const code = data?.error ?? 'http_error'
      const error = new ApiError(response.status, code, data?.detail ?? '', data ?? {}, response.headers.get('Retry-After'))
      // The token the refused request carried: a late 401 for a token replaced since (a
      // handover) is told from one for the token the phone holds now (sync.js: _failed).
      if (auth) error.token = token
      throw error
    }
    if (!data || typeof data !== 'object') {
      throw new ApiError(response.status, 'malformed', 'the answer is not a JSON object')
    }
    if (Array.isArray(data.ignored) && data.ignored.length && this.onIgnored) {
      const request = path.slice(API.length + 1).split('?')[0]
      try {
        await this.onIgnored(request, data.ignored)
      } catch (error) {
        // A note for support never costs the answer it came with
        console.warn('could not keep what the server did not read', error)
      }
    }
    return data
  }

  /** A phone that still holds a token sends it: the server hands an install that is another
   * officer's live device over only to the phone that holds its token (docs/protocol.md §1),
   * so a colleague who knows the install id cannot end that officer's phone. */
  async enroll(code, device) {
    const token = (await this.getToken?.()) ?? null
    return this._request('POST', `${API}/enroll`, { json: { code, device }, auth: Boolean(token) })
  }

  /** ``migration``: WatermelonDB's migration sync changes (docs/protocol.md §3), or null —
   * then left out of the URL, as the server reads an absent one. */
  pull(lastPulledAt, migration = null) {
    const cursor = lastPulledAt == null ? 'null' : String(lastPulledAt)
    const migrated = migration ? `&migration=${encodeURIComponent(JSON.stringify(migration))}` : ''
    return this._request(
      'GET',
      `${API}/pull?last_pulled_at=${cursor}&schema_version=${PROTOCOL_SCHEMA_VERSION}${migrated}`,
    )
  }

  /** Web Push (docs/protocol.md §11): ``{public_key, subscribed}``; ``subscription``: the
   * browser's ``PushSubscription.toJSON()`` to keep, or null to forget this phone's. */
  webpush(subscription) {
    if (subscription === undefined) return this._request('GET', `${API}/webpush`)
    if (subscription === null) return this._request('DELETE', `${API}/webpush`)
    return this._request('PUT', `${API}/webpush`, { json: subscription })
  }

  push(events, lastPulledAt) {
    const cursor = lastPulledAt == null ? 'null' : String(lastPulledAt)
    return this._request('POST', `${API}/push?last_pulled_at=${cursor}`, {
      json: {
        changes: { events: { created: events, updated: [], deleted: [] } },
        lastPulledAt: lastPulledAt ?? null,
      },
    })
  }
}
