// A stock WatermelonDB 0.28 app, the way a field app would be written, driven over stdin.
//
// The database is WatermelonDB's own (LokiJS adapter; in Node it keeps its data in Loki's
// memory adapter, where a browser would use IndexedDB) and every sync goes through the stock
// `synchronize()` of '@nozbe/watermelondb/sync' with the app-side `pullChanges` and
// `pushChanges` that docs/protocol.md describes — nothing of Kuzet's own sync code. The
// pytest driver (test_conformance.py) sends one JSON command a line and reads one answer a
// line, prefixed with MARK (WatermelonDB's own logging goes to stderr).
//
//   node device.js <base url>
'use strict'

const readline = require('node:readline')
const { performance } = require('node:perf_hooks')
const { Database, Model, appSchema, tableSchema } = require('@nozbe/watermelondb')
const LokiJSAdapter = require('@nozbe/watermelondb/adapters/lokijs').default
const { synchronize, hasUnsyncedChanges } = require('@nozbe/watermelondb/sync')
const { schemaMigrations, addColumns } = require('@nozbe/watermelondb/Schema/migrations')

const MARK = '@@kuzet '
const API = '/api/sync/v1'
const BASE = process.argv[2]

// WatermelonDB logs with console.*: keep stdout for the answers.
for (const name of ['log', 'info', 'warn', 'error', 'debug']) {
  console[name] = (...args) => process.stderr.write(args.map(String).join(' ') + '\n')
}

// --- schema: version 1, and version 2 with the two assignment columns (docs/protocol.md) ---

const col = (name, type, isOptional = false) => ({ name, type, isOptional })
const time = (name) => col(name, 'number', true)

function tables(version) {
  const assignments = [
    col('incident_id', 'string'),
    col('unit_id', 'string'),
    col('status', 'string'),
    col('dispatched_at', 'number'),
    ...[
      'delivered_at', 'acknowledged_at', 'en_route_at', 'on_scene_at', 'transporting_at',
      'cleared_at', 'cancelled_at', 'superseded_at', 'closed_at', 'ack_due_at', 'arrive_due_at',
    ].map(time),
    col('cancel_reason', 'string'),
  ]
  if (version >= 2) {
    assignments.push(time('deliver_due_at'), col('escalation_level', 'number'))
  }
  return [
    tableSchema({ name: 'assignments', columns: assignments }),
    tableSchema({
      name: 'incidents',
      columns: [
        ...['number', 'channel', 'category', 'priority', 'status', 'district_id'].map((n) =>
          col(n, 'string'),
        ),
        col('received_at', 'number'),
        col('settlement_id', 'string', true),
        col('lat', 'number', true),
        col('lon', 'number', true),
        ...[
          'location_source', 'landmark', 'summary', 'description', 'caller_name',
          'caller_phone', 'risk_flags', 'outcome_code', 'outcome_text',
        ].map((n) => col(n, 'string')),
        time('closed_at'),
      ],
    }),
    tableSchema({
      name: 'events',
      columns: [
        col('kind', 'string'),
        ...['assignment_id', 'incident_id', 'unit_id', 'boot_id', 'officer_id', 'device_id'].map(
          (n) => col(n, 'string', true),
        ),
        ...['device_time', 'elapsed_ms', 'lat', 'lon', 'accuracy_m', 'gps_time'].map((n) =>
          col(n, 'number', true),
        ),
        col('payload', 'string'),
        col('source', 'string'),
        col('disposition', 'string'),
        time('server_received_at'),
        time('estimated_at'),
        col('estimate_uncertainty_ms', 'number', true),
        col('estimate_method', 'string'),
        col('clock_suspect', 'boolean'),
      ],
    }),
    tableSchema({
      name: 'units',
      columns: [
        ...['callsign', 'type', 'mobility', 'district_id', 'status'].map((n) => col(n, 'string')),
        time('status_at'),
        col('lat', 'number', true),
        col('lon', 'number', true),
        time('position_at'),
      ],
    }),
    tableSchema({
      name: 'settlements',
      columns: [
        ...['kato', 'name', 'kind', 'district_id', 'zone', 'coverage'].map((n) => col(n, 'string')),
        col('lat', 'number', true),
        col('lon', 'number', true),
        col('coords_estimated', 'boolean'),
        col('road_km_to_seat', 'number', true),
      ],
    }),
    tableSchema({
      name: 'codes',
      columns: [col('kind', 'string'), col('code', 'string'), col('label', 'string')],
    }),
  ]
}

const TABLES = ['assignments', 'incidents', 'events', 'units', 'settlements', 'codes']
const modelClasses = TABLES.map((table) => {
  const cls = class extends Model {}
  cls.table = table
  return cls
})

const migrations = schemaMigrations({
  migrations: [
    {
      toVersion: 2,
      steps: [
        addColumns({
          table: 'assignments',
          columns: [time('deliver_due_at'), col('escalation_level', 'number')],
        }),
      ],
    },
  ],
})

// --- the device ---------------------------------------------------------------------------

const state = {
  database: null,
  adapter: null,
  token: null,
  deviceId: null,
  bootId: 'boot-' + Math.random().toString(36).slice(2, 10),
  elapsedBase: 3_600_000, // the phone booted an hour before the app started
  skewMs: 0, // the wall clock's error
  pulls: [],
}

const wallClock = () => Date.now() + state.skewMs
const elapsed = () => state.elapsedBase + Math.floor(performance.now())

function open(version, previous) {
  const schema = appSchema({ version, tables: tables(version) })
  const options = {
    schema,
    migrations: version >= 2 ? migrations : schemaMigrations({ migrations: [] }),
    useWebWorker: false,
    useIncrementalIndexedDB: false,
  }
  // An app update reopens the same stored database with the new schema (in a browser: the
  // same IndexedDB); WatermelonDB runs the migration. In Node the store is Loki's memory
  // adapter, handed over the way WatermelonDB's own tests do it.
  state.adapter = previous ? previous.testClone(options) : new LokiJSAdapter(options)
  return Promise.resolve(state.adapter).then((adapter) => {
    state.adapter = adapter
    state.database = new Database({ adapter, modelClasses })
  })
}

function headers(extra = {}) {
  const h = { 'X-Device-Clock': `${wallClock()};${state.bootId};${elapsed()}`, ...extra }
  if (state.token) h.Authorization = `Device ${state.token}`
  return h
}

class HttpError extends Error {
  constructor(status, body) {
    super(`${status} ${body && body.error}`)
    this.status = status
    this.body = body
  }
}

async function call(method, path, body) {
  const response = await fetch(BASE + path, {
    method,
    headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const parsed = await response.json()
  if (!response.ok) throw new HttpError(response.status, parsed)
  return parsed
}

// One stock synchronize(): pull (with WatermelonDB's migration argument), apply, push.
async function syncOnce({ losePushResponse = false } = {}) {
  let pulled = null
  let pushed = null
  await synchronize({
    database: state.database,
    sendCreatedAsUpdated: true,
    migrationsEnabledAtVersion: 1,
    pullChanges: async ({ lastPulledAt, schemaVersion, migration }) => {
      const query =
        `last_pulled_at=${lastPulledAt}&schema_version=${schemaVersion}` +
        `&migration=${encodeURIComponent(JSON.stringify(migration))}`
      const body = await call('GET', `${API}/pull?${query}`)
      const counts = {}
      for (const [table, changes] of Object.entries(body.changes)) {
        counts[table] = changes.updated.length + changes.created.length + changes.deleted.length
      }
      pulled = {
        has_more: body.has_more,
        strategy: body.experimentalStrategy ?? null,
        counts,
        migration: migration ?? null,
        timestamp: body.timestamp,
      }
      return {
        changes: body.changes,
        timestamp: body.timestamp,
        experimentalStrategy: body.experimentalStrategy,
      }
    },
    pushChanges: async ({ changes, lastPulledAt }) => {
      const body = await call('POST', `${API}/push?last_pulled_at=${lastPulledAt}`, {
        changes,
        lastPulledAt,
      })
      pushed = body.results
      if (losePushResponse) throw new Error('the push answer was lost on the way')
    },
  })
  return { pulled, pushed }
}

async function wipe() {
  await state.database.write(() => state.database.unsafeResetDatabase())
  state.token = null
}

const commands = {
  async open({ schema_version: version = 2 }) {
    await open(version, null)
    return {}
  },
  async upgrade({ schema_version: version = 2 }) {
    await open(version, state.adapter)
    return {}
  },
  async set_clock({ skew_ms: skew }) {
    state.skewMs = skew
    return {}
  },
  async enroll({ code }) {
    const body = await call('POST', `${API}/enroll`, {
      code,
      device: {
        platform: 'web',
        model: 'node',
        app_version: 'conformance',
        install_id: 'wmelon-' + Math.random().toString(36).slice(2),
      },
    })
    state.token = body.token
    state.deviceId = body.device_id
    return { device_id: body.device_id }
  },
  // synchronize() until the server says nothing more (the app's loop on has_more), at most
  // `rounds` times; the answer lists what each round pulled and what the pushes returned.
  async sync({ rounds = 50, lose_push_response: lose = false }) {
    const done = []
    try {
      for (let i = 0; i < rounds; i++) {
        const round = await syncOnce({ losePushResponse: lose && i === 0 })
        done.push(round)
        if (!round.pulled.has_more) break
      }
    } catch (error) {
      if (error instanceof HttpError && error.status === 401 && error.body && error.body.wipe) {
        await wipe()
        return { rounds: done, wiped: true, error: error.body.error }
      }
      return { rounds: done, error: String(error.message || error) }
    }
    return { rounds: done }
  },
  async record({ kind, assignment_id: assignmentId = null, payload = {}, lat = null, lon = null,
    count = 1 }) {
    const created = []
    await state.database.write(async () => {
      const events = state.database.get('events')
      const batch = []
      for (let i = 0; i < count; i++) {
        batch.push(
          events.prepareCreate((record) => {
            record._setRaw('kind', Array.isArray(kind) ? kind[i % kind.length] : kind)
            record._setRaw('assignment_id', assignmentId)
            record._setRaw('device_time', wallClock())
            record._setRaw('boot_id', state.bootId)
            record._setRaw('elapsed_ms', elapsed())
            record._setRaw('lat', lat)
            record._setRaw('lon', lon)
            record._setRaw('payload', JSON.stringify(payload))
            created.push({ id: record.id, true_time: Date.now(), device_time: wallClock() })
          }),
        )
      }
      await state.database.batch(batch)
    })
    return { events: created }
  },
  async dump() {
    const out = {}
    for (const table of TABLES) {
      const rows = await state.database.get(table).query().fetch()
      out[table] = {}
      for (const row of rows) {
        const { _status, _changed, ...raw } = row._raw
        out[table][raw.id] = raw
      }
    }
    return { tables: out, unsynced: await hasUnsyncedChanges({ database: state.database }) }
  },
}

const lines = readline.createInterface({ input: process.stdin })
let queue = Promise.resolve()
lines.on('line', (line) => {
  queue = queue.then(async () => {
    let answer
    try {
      const command = JSON.parse(line)
      if (command.op === 'quit') process.exit(0)
      answer = { ok: true, ...(await commands[command.op](command)) }
    } catch (error) {
      answer = { ok: false, error: String((error && error.stack) || error) }
    }
    process.stdout.write(MARK + JSON.stringify(answer) + '\n')
  })
})
lines.on('close', () => queue.then(() => process.exit(0)))
