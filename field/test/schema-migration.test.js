// A phone that installed an older build holds its database in IndexedDB, possibly with facts
// recorded offline and not yet sent: a version-1 one from before follow-up visits, a version-2
// one from before Kazakh place names. The new build opens it, migrates it in place (LokiJS
// erases a database it cannot migrate, outbox included), and its next sync is a migration
// sync: the server sends what the migration added (the follow-ups the inspector was owed all
// along, the settlements again with their Kazakh names), and the old facts still go up. Two
// opens share one LokiJS persistence, as two app starts share IndexedDB (Node has none: the
// memory adapter stands in, the same code paths).
import Loki from 'lokijs'
import { Database, Model, appSchema, tableSchema } from '@nozbe/watermelondb'
import LokiJSAdapter from '@nozbe/watermelondb/adapters/lokijs'
import { describe, expect, it, vi } from 'vitest'
import { Api } from '../src/api.js'
import { DeviceClock } from '../src/clock.js'
import { TABLES, lokiAdapter, openDatabase, schema } from '../src/db.js'
import { eventColumns, recordEvent } from '../src/events.js'
import { KEYS, SyncEngine } from '../src/sync.js'

// The schema the build before Kazakh place names shipped (version 2): no settlements.name_kk.
const TABLES_V2 = { ...TABLES, settlements: TABLES.settlements.filter((c) => c.name !== 'name_kk') }
// The schema the first build shipped (version 1): no follow_ups, no schema-2 assignment columns.
const V2_ASSIGNMENT_COLUMNS = ['deliver_due_at', 'escalation_level']
const TABLES_V1 = Object.fromEntries(
  Object.entries(TABLES_V2)
    .filter(([name]) => name !== 'follow_ups')
    .map(([name, columns]) => [name, columns.filter((c) => name !== 'assignments' || !V2_ASSIGNMENT_COLUMNS.includes(c.name))]),
)

/** The database an older build (local schema ``version`` with ``tables``) opens. */
function openOld(version, tables, persistence, dbName) {
  const adapter = new LokiJSAdapter({
    schema: appSchema({ version, tables: Object.entries(tables).map(([name, columns]) => tableSchema({ name, columns })) }),
    dbName,
    useWebWorker: false,
    useIncrementalIndexedDB: true,
    _testLokiAdapter: persistence,
  })
  const modelClasses = Object.keys(tables).map((table) => {
    const cls = class extends Model {}
    cls.table = table
    return cls
  })
  return new Database({ adapter, modelClasses })
}

const clock = new DeviceClock({ now: () => 1_795_154_460_000, elapsed: () => 5_460_000 })
const noTimers = { setTimeout: () => 1, clearTimeout: () => {} }
const fetchAll = async (database, name) => (await database.get(name).query().fetch()).map((r) => r._raw)
const empty = { created: [], updated: [], deleted: [] }
// A record the old build pulled from the server.
const holdSynced = (database, table, record) =>
  database.write(async () => {
    await database.get(table).create((r) => {
      const { id, ...columns } = record
      for (const [k, v] of Object.entries(columns)) r._setRaw(k, v)
      r._raw.id = id
      r._raw._status = 'synced'
    })
  })
const assignment = {
  id: '1', incident_id: '3', unit_id: '4', status: 'acknowledged', dispatched_at: 1000, delivered_at: 1100,
  acknowledged_at: 1200, en_route_at: null, on_scene_at: null, transporting_at: null, cleared_at: null,
  cancelled_at: null, cancel_reason: '', superseded_at: null, closed_at: null, ack_due_at: 2000, arrive_due_at: null,
}

describe('an app upgraded in place from the first build (local schema 1 → 3)', () => {
  it('keeps its outbox and keys, gains the new table, and asks the server for what it added', async () => {
    // given: the old build synced once, then recorded a note out of coverage
    vi.spyOn(console, 'log').mockImplementation(() => {})
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const persistence = new Loki.LokiMemoryAdapter()
    const old = openOld(1, TABLES_V1, persistence, 'kuzet-upgrade')
    await holdSynced(old, 'assignments', assignment)
    await old.adapter.setLocal('__watermelon_last_pulled_at', '41')
    await old.localStorage.set(KEYS.token, 'old-token')
    const note = await recordEvent(old, eventColumns({ kind: 'note', assignmentId: '1', payload: { text: 'Калитка заперта' }, clock, now: 0 }))

    // when: the new build starts on the same storage
    const database = openDatabase({ adapter: lokiAdapter({ dbName: 'kuzet-upgrade', _testLokiAdapter: persistence }) })

    // then: migrated in place, nothing lost
    expect(await database.adapter.getLocal('_loki_schema_version')).toBe(String(schema.version))
    expect((await fetchAll(database, 'events')).map((e) => [e.id, e.kind, e._status, e.payload])).toEqual([
      [note.id, 'note', 'created', '{"text":"Калитка заперта"}'],
    ])
    expect(await database.localStorage.get(KEYS.token)).toBe('old-token')
    const [kept] = await fetchAll(database, 'assignments')
    expect(kept).toMatchObject({ id: '1', status: 'acknowledged', deliver_due_at: null, escalation_level: 0 })
    expect(await fetchAll(database, 'follow_ups')).toEqual([])

    // when: it syncs
    const urls = []
    const fetchImpl = async (url, init) => {
      urls.push(url)
      const push = init.method === 'POST'
      const body = push
        ? { results: JSON.parse(init.body).changes.events.created.map((e) => ({ id: e.id, status: 'accepted', disposition: 'recorded' })) }
        : {
            changes: {
              follow_ups: { ...empty, updated: [{ id: '9', incident_id: '3', unit_id: '4', due_at: 500_000, done_at: null, note: '' }] },
              assignments: { ...empty, updated: [{ ...assignment, deliver_due_at: 1050, escalation_level: 1 }] },
            },
            timestamp: 42 + urls.length,
            has_more: false,
          }
      return { ok: true, status: 200, text: async () => JSON.stringify(body), headers: { get: () => null } }
    }
    const api = new Api({ clock, getToken: async () => 'old-token', fetchImpl, compress: false })
    await new SyncEngine({ database, api, timers: noTimers }).request()

    // then: the first pull names what the migration added; later ones do not
    const migration = {
      from: 1,
      tables: ['follow_ups'],
      // (local schema 4 adds the officer-safety check's column to the same table)
      columns: [
        { table: 'assignments', columns: [...V2_ASSIGNMENT_COLUMNS, 'safety_check_at'] },
        { table: 'settlements', columns: ['name_kk'] },
        // (local schema 5: the exercise mark of a call)
        { table: 'incidents', columns: ['exercise'] },
      ],
    }
    expect(urls).toEqual([
      `/api/sync/v1/pull?last_pulled_at=41&schema_version=4&migration=${encodeURIComponent(JSON.stringify(migration))}`,
      '/api/sync/v1/push?last_pulled_at=43',
      '/api/sync/v1/pull?last_pulled_at=43&schema_version=4',
    ])
    expect((await fetchAll(database, 'follow_ups')).map((f) => [f.id, f.incident_id, f.due_at, f.done_at])).toEqual([['9', '3', 500_000, null]])
    expect((await fetchAll(database, 'assignments'))[0]).toMatchObject({ deliver_due_at: 1050, escalation_level: 1 })
    expect((await fetchAll(database, 'events')).map((e) => [e.id, e._status])).toEqual([[note.id, 'synced']])
  })
})

const settlement = {
  id: '12', kato: '103620200', name: 'Актогай', kind: 'village', district_id: '1', zone: 'remote',
  coverage: '2g_sms', lat: 46.95, lon: 79.66667, coords_estimated: false, road_km_to_seat: 140,
}

describe('an app upgraded in place from the build before Kazakh place names (local schema 2 → 3)', () => {
  it('keeps its outbox, keys and settlements, and fetches the settlements again with their Kazakh names', async () => {
    // given: the old build synced its village, then recorded a note out of coverage
    vi.spyOn(console, 'log').mockImplementation(() => {})
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const persistence = new Loki.LokiMemoryAdapter()
    const old = openOld(2, TABLES_V2, persistence, 'kuzet-upgrade-kk')
    await holdSynced(old, 'settlements', settlement)
    await old.adapter.setLocal('__watermelon_last_pulled_at', '41')
    // what the version-2 build's synchronize() (migrationsEnabledAtVersion: 1) notes on a pull
    await old.adapter.setLocal('__watermelon_last_pulled_schema_version', '2')
    await old.localStorage.set(KEYS.token, 'old-token')
    const note = await recordEvent(old, eventColumns({ kind: 'note', assignmentId: '1', payload: { text: 'Қақпа жабық' }, clock, now: 0 }))

    // when: the new build starts on the same storage
    const database = openDatabase({ adapter: lokiAdapter({ dbName: 'kuzet-upgrade-kk', _testLokiAdapter: persistence }) })

    // then: migrated in place, nothing lost; the Kazakh name is not known yet
    expect(await database.adapter.getLocal('_loki_schema_version')).toBe(String(schema.version))
    expect((await fetchAll(database, 'events')).map((e) => [e.id, e.kind, e._status, e.payload])).toEqual([
      [note.id, 'note', 'created', '{"text":"Қақпа жабық"}'],
    ])
    expect(await database.localStorage.get(KEYS.token)).toBe('old-token')
    expect(await fetchAll(database, 'settlements')).toEqual([
      expect.objectContaining({ ...settlement, name_kk: '', _status: 'synced' }),
    ])

    // when: it syncs
    const urls = []
    const fetchImpl = async (url, init) => {
      urls.push(url)
      const push = init.method === 'POST'
      const body = push
        ? { results: JSON.parse(init.body).changes.events.created.map((e) => ({ id: e.id, status: 'accepted', disposition: 'recorded' })) }
        : {
            changes: { settlements: { ...empty, updated: [{ ...settlement, name_kk: 'Ақтоғай' }] } },
            timestamp: 42 + urls.length,
            has_more: false,
          }
      return { ok: true, status: 200, text: async () => JSON.stringify(body), headers: { get: () => null } }
    }
    const api = new Api({ clock, getToken: async () => 'old-token', fetchImpl, compress: false })
    await new SyncEngine({ database, api, timers: noTimers }).request()

    // then: the first pull names the new column (`from` is the local schema's version: the
    // server checks it is below schema_version and reads the names); later ones do not
    const migration = {
      from: 2,
      tables: [],
      columns: [
        { table: 'settlements', columns: ['name_kk'] },
        { table: 'assignments', columns: ['safety_check_at'] },
        { table: 'incidents', columns: ['exercise'] },
      ],
    }
    expect(urls).toEqual([
      `/api/sync/v1/pull?last_pulled_at=41&schema_version=4&migration=${encodeURIComponent(JSON.stringify(migration))}`,
      '/api/sync/v1/push?last_pulled_at=43',
      '/api/sync/v1/pull?last_pulled_at=43&schema_version=4',
    ])
    expect((await fetchAll(database, 'settlements')).map((r) => [r.id, r.name, r.name_kk])).toEqual([['12', 'Актогай', 'Ақтоғай']])
    expect((await fetchAll(database, 'events')).map((e) => [e.id, e._status])).toEqual([[note.id, 'synced']])
  })
})
