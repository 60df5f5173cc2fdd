/*
 * model.test.js - the dashboard's model (broker-config/dashboard/model.js)
 * and sparkline geometry (spark.js) under node's test runner: topics,
 * payload validation, which topic wins for state, load and eta, offline
 * by last will or bridge, event de-duplication, override grouping, the
 * zone alarm's evidence and the inlet history.
 */
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const dash = path.join(__dirname, '..', '..', 'broker-config', 'dashboard');
const { Room, offline } = require(path.join(dash, 'model.js'));
const { geometry } = require(path.join(dash, 'spark.js'));

const P = 'thermwatch/v1/dc1/r101/';
const T0 = 1764061200000;

function msg(host, fields) {
	return JSON.stringify(Object.assign({ v: 1, ts: T0, seq: 1,
		site: 'dc1', zone: 'r101', host: host, tier: 2 }, fields));
}

function telemetry(host, ts, inlet, fields) {
	return msg(host, Object.assign({ ts: ts, state: 'ok',
		zone_alarm: false, sensors: [
			{ id: 'lm75-0/temp1', class: 'inlet', status: 'valid',
			  value_c: inlet + 0.2, filtered_c: inlet, trip_c: 45,
			  slope_c_per_min: 0.5, eta_s: 1200, level: 0 },
			{ id: 'coretemp/Package id 0', class: 'cpu',
			  status: 'valid', value_c: 60, filtered_c: 61,
			  trip_c: 100, eta_s: null, level: 0 },
			{ id: 'coretemp/Core 1', class: 'cpu', status: 'stale',
			  value_c: 90, filtered_c: 90, trip_c: 100,
			  eta_s: 5, level: 0 }] }, fields));
}

function host(room, name) {
	return room.hosts.get('dc1/r101/' + name);
}

test('topics: only v1 leaves of real hosts', () => {
	const r = new Room();
	assert.equal(r.handle(P + '_all/override/set', msg('x', {}), 0), false);
	assert.equal(r.handle(P + 'hv01/override/set', msg('x', {}), 0), false);
	assert.equal(r.handle('other/v1/dc1/r101/hv01/state', '{}', 0), false);
	assert.equal(r.handle(P + 'hv01/unknown', '{}', 0), false);
	assert.equal(r.hosts.size, 0);
	assert.equal(r.counts.ignored, 4);
	const custom = new Room({ prefix: 'tw/' });
	assert.ok(custom.handle('tw/s/z/h/status',
	    msg('h', { status: 'online', reason: 'connected' }), 0));
});

test('bad payloads are counted, never applied', () => {
	const r = new Room();
	assert.equal(r.handle(P + 'hv01/state', '{"v":1,', 0), false);
	assert.equal(r.handle(P + 'hv01/state', '[1,2]', 0), false);
	assert.equal(r.handle(P + 'hv01/state', 'x'.repeat(300000), 0), false);
	assert.equal(r.handle(P + 'hv01/bridge', 'yes', 0), false);
	assert.equal(r.counts.bad, 4);
	assert.equal(r.handle(P + 'hv01/state', msg('hv01',
	    { v: 2, state: 'ok' }), 0), false, 'another version is ignored');
	assert.equal(host(r, 'hv01'), undefined);
});

test('telemetry: hottest valid inlet and cpu, stale sensors counted', () => {
	const r = new Room();
	r.handle(P + 'hv01/telemetry', telemetry('hv01', T0, 24), 1);
	const h = host(r, 'hv01');
	assert.equal(h.inlet, 24);
	assert.equal(h.cpu, 61, 'the stale core at 90 C is not the hottest');
	assert.equal(h.stale, 1);
	assert.equal(h.eta, 1200, 'eta of valid sensors only');
	assert.equal(h.state, 'ok', 'telemetry state until a state message');
});

test('the state topic rules the state; hold survives telemetry', () => {
	const r = new Room();
	r.handle(P + 'hv01/state', msg('hv01', { state: 'hold',
		engine_state: 'ok', reason: 'boot guard', accepting_load: false,
		zone_alarm: false, eta_s: null }), 1);
	r.handle(P + 'hv01/telemetry', telemetry('hv01', T0 + 5000, 24), 2);
	const h = host(r, 'hv01');
	assert.equal(h.state, 'hold');
	assert.equal(h.engineState, 'ok');
	assert.equal(h.accepting, false);
});

test('newer telemetry with a zone alarm means no load', () => {
	const r = new Room();
	r.handle(P + 'hv01/state', msg('hv01', { state: 'ok',
		accepting_load: true, zone_alarm: false }), 1);
	assert.equal(host(r, 'hv01').accepting, true);
	r.handle(P + 'hv01/telemetry', telemetry('hv01', T0 + 10000, 30,
	    { state: 'warn', zone_alarm: true }), 2);
	const h = host(r, 'hv01');
	assert.equal(h.accepting, false);
	assert.equal(h.zoneAlarm, true);
	assert.equal(h.alarmSince, T0 + 10000);
	assert.equal(h.state, 'ok', 'state waits for the state topic');
});

test('eta: the engine\'s, aged by the host clock, or a shorter sensor one',
    () => {
	const r = new Room();
	r.handle(P + 'hv01/state', msg('hv01', { state: 'warn',
		eta_s: 3000 }), 1);
	r.handle(P + 'hv01/telemetry', telemetry('hv01', T0 + 600000, 30,
	    { sensors: [{ class: 'inlet', status: 'valid', filtered_c: 30,
		eta_s: null }] }), 2);
	assert.equal(host(r, 'hv01').eta, 2400);
	r.handle(P + 'hv01/telemetry', telemetry('hv01', T0 + 610000, 30), 3);
	assert.equal(host(r, 'hv01').eta, 1200);
	r.handle(P + 'hv01/telemetry', telemetry('hv01', T0 + 4000000, 30,
	    { sensors: [] }), 4);
	assert.equal(host(r, 'hv01').eta, null, 'an outlived projection');
});

test('offline: last will, clean stop, the bridge will; online again', () => {
	const r = new Room();
	r.handle(P + 'hv01/state', msg('hv01', { state: 'hot' }), 1);
	r.handle(P + 'hv01/status', msg('hv01', { seq: 0, status: 'offline',
		reason: 'connection lost' }), 2);
	const h = host(r, 'hv01');
	assert.match(offline(h), /lost/);
	assert.equal(h.state, 'hot', 'the last state is kept');
	r.handle(P + 'hv01/status', msg('hv01', { status: 'offline',
		reason: 'shutdown' }), 3);
	assert.equal(offline(h), 'agent stopped');
	r.handle(P + 'hv01/status', msg('hv01', { status: 'online',
		reason: 'connected' }), 4);
	assert.equal(offline(h), null);
	r.handle(P + 'hv01/bridge', '0', 5);
	assert.match(offline(h), /bridge/);
	r.handle(P + 'hv01/bridge', '1', 6);
	assert.equal(offline(h), null);
	r.handle(P + 'hv01/status', '', 7);
	assert.equal(h.status, null, 'a cleared retained topic is forgotten');
});

test('events: newest first, QoS 1 duplicates once, bounded', () => {
	const r = new Room();
	const ev = (seq, ts) => msg('hv01', { seq: seq, ts: ts,
		type: 'decision', action: 'notify', code: 'state.warn',
		reason: 'x' });
	r.handle(P + 'hv01/event', ev(1, T0), 1);
	r.handle(P + 'hv01/event', ev(1, T0), 2);
	r.handle(P + 'hv01/event', ev(2, T0 + 1), 3);
	assert.deepEqual(r.events.map((e) => e.m.seq), [2, 1]);
	r.handle(P + 'hv01/event', ev(1, T0 + 99), 4);
	assert.equal(r.events.length, 3, 'a restarted agent\'s seq 1 is new');
	for (let i = 0; i < 300; i++)
		r.handle(P + 'hv02/event', ev(10 + i, T0 + i), 5);
	assert.equal(r.events.length, 200);
	assert.equal(r.eventKeys.size, 200);
});

test('overrides: grouped across hosts, earliest expiry, cleared', () => {
	const r = new Room();
	const ov = (exp) => msg('x', { overrides: [{ key: 'quiet', value: 1,
		expires_in_s: 60, expires: exp, reason: 'maintenance',
		author: 'alice (mqtt zone)' }] });
	r.handle(P + 'hv01/override', ov(T0 + 60000), 1);
	r.handle(P + 'hv02/override', ov(T0 + 59000), 2);
	let list = r.overrides();
	assert.equal(list.length, 1);
	assert.deepEqual(list[0].hosts, ['hv01', 'hv02']);
	assert.equal(list[0].expires, T0 + 59000);
	r.handle(P + 'hv02/override', msg('hv02', { overrides: [] }), 3);
	r.handle(P + 'hv01/override', '', 4);
	list = r.overrides();
	assert.equal(list.length, 0);
});

test('zone summary: the alarm, its evidence, its hosts', () => {
	const r = new Room();
	['hv01', 'hv02', 'hv03'].forEach((h, i) => {
		r.handle(P + h + '/state', msg(h, { state: 'warn', since: T0 + i,
			zone_alarm: i < 2, reason: 'warn: zone cooling alarm, ' +
			(i + 2) + ' of 3 hosts with inlet rising or high' }), i);
		r.handle(P + h + '/telemetry', telemetry(h, T0 + 1000 + i,
		    25 + i), i);
	});
	r.handle(P + 'hv03/status', msg('hv03', { status: 'offline',
		reason: 'connection lost' }), 9);
	const z = r.zones()[0];
	const s = r.zoneSummary(z);
	assert.equal(s.hosts, 3);
	assert.equal(s.offline, 1);
	assert.equal(s.alarm, 0, 'the telemetry said zone_alarm false');
	r.handle(P + 'hv01/telemetry', telemetry('hv01', T0 + 2000, 25,
	    { zone_alarm: true }), 10);
	const s2 = r.zoneSummary(r.zones()[0]);
	assert.equal(s2.alarm, 1);
	assert.equal(s2.inletMax, 26, 'offline hv03 (27 C) left out');
	assert.equal(s2.evidence,
	    'zone cooling alarm, 2 of 3 hosts with inlet rising or high');
});

test('zone inlet: the hottest host per bucket over the last hour', () => {
	const r = new Room();
	for (let m = 0; m <= 90; m++) {
		r.handle(P + 'hv01/telemetry',
		    telemetry('hv01', T0 + m * 60000, 20 + m / 10), m);
		r.handle(P + 'hv02/telemetry',
		    telemetry('hv02', T0 + m * 60000 + 1, 25), m);
	}
	const z = r.zones()[0];
	const s = r.zoneInlet(z, 60);
	assert.equal(s.t1, T0 + 90 * 60000 + 1);
	assert.equal(s.trip, 45);
	assert.ok(s.points.length >= 59 && s.points.length <= 60);
	assert.ok(s.points.every((p) => p[0] >= s.t0 && p[0] <= s.t1));
	assert.equal(s.points[0][1], 25, 'hv02 was hotter an hour ago');
	assert.equal(s.points[s.points.length - 1][1], 29);
	assert.ok(host(r, 'hv01').series.length <= 62, 'history is pruned');
	const g = geometry(s, 200, 40);
	assert.match(g.line, /^M[\d.]+ [\d.]+( L[\d.]+ [\d.]+)+$/);
	assert.match(g.trip, /^M2 [\d.]+ H198$/);
	const ys = g.line.match(/[\d.]+(?= |$)/g);
	assert.ok(Number(g.trip.split(' ')[1]) < Math.min(...ys.map(Number)),
	    'the trip line is above the curve');
	assert.deepEqual(geometry({ points: [], t0: 0, t1: 1, trip: null },
	    200, 40).line, '');
});
