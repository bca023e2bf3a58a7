// A phone that installed the app before follow-up visits holds a version-1 database in
// IndexedDB, possibly with facts recorded offline and not yet sent. The new build opens it,
// migrates it in place (LokiJS erases a database it cannot migrate, outbox included), and its
// next sync is a migration sync: the server sends the follow-ups the inspector was owed all
// along, and the old facts still go up. Two opens share one LokiJS persistence, as two app
// starts share IndexedDB (Node has none: the memory adapter stands in, the same code paths).
import Loki from 'lokijs'
import { Database, Model, appSchema, tableSchema } from '@nozbe/watermelondb'
import LokiJSAdapter from '@nozbe/watermelondb/adapters/lokijs'
import { describe, expect, it, vi } from 'vitest'
import { Api } from '../src/api.js'
import { DeviceClock } from '../src/clock.js'
import { TABLES, lokiAdapter, openDatabase, schema } from '../src/db.js'
import { eventColumns, recordEvent } from '../src/events.js'
import { KEYS, SyncEngine } from '../src/sync.js'

// The schema the first build shipped (version 1): no follow_ups, no schema-2 assignment columns.
const V2_ASSIGNMENT_COLUMNS = ['deliver_due_at', 'escalation_level']
const TABLES_V1 = Object.fromEntries(
  Object.entries(TABLES)
    .filter(([name]) => name !== 'follow_ups')
    .map(([name, columns]) => [name, columns.filter((c) => name !== 'assignments' || !V2_ASSIGNMENT_COLUMNS.includes(c.name))]),
)

function openV1(persistence, dbName) {
  const adapter = new LokiJSAdapter({
    schema: appSchema({ version: 1, tables: Object.entries(TABLES_V1).map(([name, columns]) => tableSchema({ name, columns })) }),
    dbName,
    useWebWorker: false,
    useIncrementalIndexedDB: true,
    _testLokiAdapter: persistence,
  })
  const modelClasses = Object.keys(TABLES_V1).map((table) => {
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
const assignment = {
  id: '1', incident_id: '3', unit_id: '4', status: 'acknowledged', dispatched_at: 1000, delivered_at: 1100,
  acknowledged_at: 1200, en_route_at: null, on_scene_at: null, transporting_at: null, cleared_at: null,
  cancelled_at: null, cancel_reason: '', superseded_at: null, closed_at: null, ack_due_at: 2000, arrive_due_at: null,
}

describe('an app upgraded in place (local schema 1 → 2)', () => {
  it('keeps its outbox and keys, gains the new table, and asks the server for what it added', async () => {
    // given: the old build synced once, then recorded a note out of coverage
    vi.spyOn(console, 'log').mockImplementation(() => {})
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const persistence = new Loki.LokiMemoryAdapter()
    const old = openV1(persistence, 'kuzet-upgrade')
    await old.write(async () => {
      await old.get('assignments').create((r) => {
        const { id, ...columns } = assignment
        for (const [k, v] of Object.entries(columns)) r._setRaw(k, v)
        r._raw.id = id
        r._raw._status = 'synced'
      })
    })
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
    const migration = { from: 1, tables: ['follow_ups'], columns: [{ table: 'assignments', columns: V2_ASSIGNMENT_COLUMNS }] }
    expect(urls).toEqual([
      `/api/sync/v1/pull?last_pulled_at=41&schema_version=3&migration=${encodeURIComponent(JSON.stringify(migration))}`,
      '/api/sync/v1/push?last_pulled_at=43',
      '/api/sync/v1/pull?last_pulled_at=43&schema_version=3',
    ])
    expect((await fetchAll(database, 'follow_ups')).map((f) => [f.id, f.incident_id, f.due_at, f.done_at])).toEqual([['9', '3', 500_000, null]])
    expect((await fetchAll(database, 'assignments'))[0]).toMatchObject({ deliver_due_at: 1050, escalation_level: 1 })
    expect((await fetchAll(database, 'events')).map((e) => [e.id, e._status])).toEqual([[note.id, 'synced']])
  })
})
