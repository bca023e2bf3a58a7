-- Years of calls for the chief's console benchmark (bench/reports_bench.py), written by SQL
-- (generate_series) straight into the tables: it measures reads, not the write path.
--
-- Parameters (psql-style, substituted by the script): :n incidents, :years of history
-- ending at :now (an ISO timestamp), :first_id (ids start after the seeded rows).
-- Calls spread over the seeded settlements of Abai oblast; priorities, channels and
-- categories in rough real proportions; every milestone a random but plausible duration
-- (delivery by the settlement's coverage, travel by its zone and road distance); 10 % of
-- calls get a second unit, 4 % never see a unit on scene, 2 % are cancelled; one event
-- from the field app per assignment that reached the scene (its sync lag by coverage,
-- 1 % clock-suspect).

SELECT setseed(0.14);

CREATE TEMP TABLE s AS
SELECT row_number() OVER (ORDER BY id) AS rn, id, district_id, zone, coverage,
       COALESCE(road_km_to_seat, 30) AS km, lat, lon
FROM geo_settlement WHERE lat IS NOT NULL;

-- Districts the demo seed left without units get three patrol cars (the seed staffs four).
INSERT INTO people_unit (callsign, type, mobility, active, status, last_contact_via, district_id)
SELECT 'BENCH-' || d.kato || '-' || k, 'patrol_car', 'car', true, 'available', '', d.id
FROM geo_district d CROSS JOIN generate_series(1, 3) AS k
WHERE NOT EXISTS (SELECT 1 FROM people_unit x WHERE x.district_id = d.id);

CREATE TEMP TABLE u AS
SELECT district_id, array_agg(id ORDER BY id) AS ids FROM people_unit GROUP BY district_id;

CREATE TEMP TABLE ud AS
SELECT o.unit_id, min(d.id) AS device_id, min(o.id) AS officer_id
FROM devices_device d JOIN people_officer o ON o.id = d.officer_id
WHERE o.unit_id IS NOT NULL GROUP BY o.unit_id;

CREATE TEMP TABLE pick AS
SELECT g AS i, 1 + floor(random() * (SELECT count(*) FROM s))::int AS rn,
       random() AS r_time, random() AS r_pri, random() AS r_chan, random() AS r_cat,
       random() AS r_cp, random() AS r_del, random() AS r_ack, random() AS r_turn,
       random() AS r_travel, random() AS r_scene, random() AS r_fate, random() AS r_lag
FROM generate_series(1, :n) AS g;

CREATE TEMP TABLE b AS
SELECT p.i, :first_id + p.i AS id, s.id AS settlement_id, s.district_id, s.zone, s.coverage,
       s.lat, s.lon,
       TIMESTAMPTZ :'now' - p.r_time * (interval '365 days' * :years) AS received_at,
       CASE WHEN p.r_pri < 0.08 THEN 'P0' WHEN p.r_pri < 0.40 THEN 'P1'
            WHEN p.r_pri < 0.85 THEN 'P2' ELSE 'P3' END AS priority,
       CASE WHEN p.r_chan < 0.72 THEN 'phone_102' WHEN p.r_chan < 0.80 THEN 'app_102'
            WHEN p.r_chan < 0.86 THEN 'egov' WHEN p.r_chan < 0.92 THEN 'kaspi'
            WHEN p.r_chan < 0.94 THEN 'halyk' WHEN p.r_chan < 0.96 THEN 'walk_in'
            WHEN p.r_chan < 0.98 THEN 'patrol' ELSE 'video' END AS channel,
       (ARRAY['theft', 'disorder', 'road_accident', 'violence', 'livestock_theft', 'noise',
              'traffic_violation', 'fraud', 'other', 'child', 'information',
              'missing_person'])[1 + floor(p.r_cat * 12)::int] AS category,
       20 + p.r_cp * 160 AS cp_s,
       CASE s.coverage WHEN 'lte' THEN 1 + p.r_del * 4 WHEN '3g' THEN 2 + p.r_del * 20
            WHEN '2g_sms' THEN 5 + power(p.r_del, 3) * 1800
            ELSE 60 + power(p.r_del, 2) * 7200 END AS del_s,
       5 + p.r_ack * 60 AS ack_s,
       20 + p.r_turn * 120 AS turn_s,
       (s.km * 0.6 + 3) / (CASE s.zone WHEN 'urban' THEN 30 WHEN 'suburban' THEN 45
            WHEN 'rural' THEN 55 ELSE 45 END) * 3600 * (0.6 + p.r_travel * 0.9) AS travel_s,
       600 + p.r_scene * 3600 AS scene_s,
       p.r_fate AS fate,
       CASE s.coverage WHEN 'lte' THEN 1 + p.r_lag * 5 WHEN '3g' THEN 2 + p.r_lag * 30
            WHEN '2g_sms' THEN 10 + power(p.r_lag, 2) * 5400
            ELSE 60 + power(p.r_lag, 2) * 14400 END AS lag_s,
       u.ids AS units
FROM pick p JOIN s ON s.rn = p.rn JOIN u ON u.district_id = s.district_id;

-- Targets as DOMAIN.md's defaults (seconds from the call).
CREATE TEMP TABLE t (priority text, zone text, s int);
INSERT INTO t VALUES
  ('P0', 'urban', 600), ('P0', 'suburban', 900), ('P0', 'rural', 1800), ('P0', 'remote', 3600),
  ('P1', 'urban', 900), ('P1', 'suburban', 1200), ('P1', 'rural', 2700), ('P1', 'remote', 5400),
  ('P2', 'urban', 1800), ('P2', 'suburban', 2700), ('P2', 'rural', 7200), ('P2', 'remote', 14400);

INSERT INTO dispatch_incident (
  id, number, channel, external_ref, intake_fingerprint, category, priority, status, lat, lon,
  location_source, landmark, summary, description, caller_name, caller_phone, media_links,
  risk_flags, notify_citizen, received_at, created_at, closed_at, disposition, outcome_code,
  outcome_text, outcome_article, registry_kui, registry_erdr, registry_erap, restricted,
  district_id, settlement_id)
SELECT b.id, 'BENCH-' || b.i, b.channel, NULL, '', b.category, b.priority,
       CASE WHEN b.fate < 0.02 THEN 'cancelled' ELSE 'closed' END, b.lat, b.lon,
       'settlement', '', 'bench call', '', '', '', '[]', '[]', false, b.received_at,
       b.received_at,
       b.received_at + make_interval(secs => b.cp_s + b.del_s + b.ack_s + b.turn_s
                                             + b.travel_s + b.scene_s + 600),
       '', CASE WHEN b.fate < 0.02 THEN '' WHEN b.fate < 0.10 THEN 'false_call'
                WHEN b.fate < 0.50 THEN 'resolved_on_scene'
                WHEN b.fate < 0.56 THEN 'admin_protocol' ELSE 'report_taken' END,
       '',
       -- a protocol names its CoAO article: 73 on a DV call, else petty hooliganism (434)
       CASE WHEN b.fate < 0.50 OR b.fate >= 0.56 THEN ''
            WHEN b.category = 'domestic_violence' THEN '73' ELSE '434' END,
       '', '', '', false, b.district_id, b.settlement_id
FROM b;

-- The first unit: every call not cancelled; 4 % of them never reach the scene (cancelled
-- en route), the rest are cleared.
INSERT INTO dispatch_assignment (
  id, status, dispatched_at, dispatch_source, delivered_at, acknowledged_at, en_route_at,
  on_scene_at, cleared_at, cancel_reason, cancelled_at, closed_at, ack_due_at, arrive_due_at,
  escalation_level, unit_id, incident_id)
SELECT b.id, CASE WHEN b.fate < 0.06 THEN 'cancelled' ELSE 'cleared' END,
       b.received_at + make_interval(secs => b.cp_s), 'duty_officer',
       b.received_at + make_interval(secs => b.cp_s + b.del_s),
       b.received_at + make_interval(secs => b.cp_s + b.del_s + b.ack_s),
       b.received_at + make_interval(secs => b.cp_s + b.del_s + b.ack_s + b.turn_s),
       CASE WHEN b.fate < 0.06 THEN NULL ELSE
         b.received_at + make_interval(secs => b.cp_s + b.del_s + b.ack_s + b.turn_s + b.travel_s) END,
       CASE WHEN b.fate < 0.06 THEN NULL ELSE
         b.received_at + make_interval(secs => b.cp_s + b.del_s + b.ack_s + b.turn_s + b.travel_s + b.scene_s) END,
       '',
       CASE WHEN b.fate < 0.06 THEN b.received_at + make_interval(secs => b.cp_s + b.del_s + b.ack_s + b.turn_s + 300) END,
       b.received_at + make_interval(secs => b.cp_s + b.del_s + b.ack_s + b.turn_s + b.travel_s + b.scene_s + 300),
       b.received_at + make_interval(secs => b.cp_s + 120),
       b.received_at + make_interval(secs => t.s),
       0, b.units[1 + b.i % cardinality(b.units)], b.id
FROM b LEFT JOIN t ON t.priority = b.priority AND t.zone = b.zone
WHERE b.fate >= 0.02;

-- A second unit on one call in ten: sent two minutes after the first, arrives later.
INSERT INTO dispatch_assignment (
  id, status, dispatched_at, dispatch_source, delivered_at, acknowledged_at, en_route_at,
  on_scene_at, cleared_at, cancel_reason, closed_at, ack_due_at, arrive_due_at,
  escalation_level, unit_id, incident_id)
SELECT b.id + :n, 'cleared', b.received_at + make_interval(secs => b.cp_s + 120), 'duty_officer',
       b.received_at + make_interval(secs => b.cp_s + 120 + b.del_s),
       b.received_at + make_interval(secs => b.cp_s + 120 + b.del_s + b.ack_s),
       b.received_at + make_interval(secs => b.cp_s + 120 + b.del_s + b.ack_s + b.turn_s),
       b.received_at + make_interval(secs => b.cp_s + 120 + b.del_s + b.ack_s + b.turn_s + b.travel_s * 1.3),
       b.received_at + make_interval(secs => b.cp_s + 120 + b.del_s + b.ack_s + b.turn_s + b.travel_s * 1.3 + b.scene_s),
       '',
       b.received_at + make_interval(secs => b.cp_s + 120 + b.del_s + b.ack_s + b.turn_s + b.travel_s * 1.3 + b.scene_s),
       b.received_at + make_interval(secs => b.cp_s + 240),
       b.received_at + make_interval(secs => t.s),
       0, b.units[1 + (b.i + 1) % cardinality(b.units)], b.id
FROM b LEFT JOIN t ON t.priority = b.priority AND t.zone = b.zone
WHERE b.fate >= 0.06 AND b.i % 10 = 0 AND cardinality(b.units) > 1;

-- The arrival reported by the field app: sync lag by coverage, 1 % clock-suspect.
INSERT INTO dispatch_event (
  id, kind, source, via, boot_id, payload, content_hash, server_received_at, estimated_at,
  estimate_method, clock_suspect, disposition, assignment_id, device_id, officer_id, unit_id,
  incident_id)
SELECT 'bench-' || a.id, 'on_scene', 'app', 'http', 'bench', '{}', '', a.on_scene_at
       + make_interval(secs => b.lag_s), a.on_scene_at, 'anchor', b.r_suspect < 0.01,
       'applied', a.id, ud.device_id, ud.officer_id, a.unit_id, a.incident_id
FROM dispatch_assignment a
JOIN (SELECT b.id, b.lag_s, random() AS r_suspect FROM b) b ON b.id = a.incident_id
JOIN ud ON ud.unit_id = a.unit_id
WHERE a.id > :first_id AND a.on_scene_at IS NOT NULL;

SELECT setval(pg_get_serial_sequence('dispatch_incident', 'id'), (SELECT max(id) FROM dispatch_incident));
SELECT setval(pg_get_serial_sequence('dispatch_assignment', 'id'), (SELECT max(id) FROM dispatch_assignment));
