/*
 * model.js - the room as the dashboard knows it: hosts, zones, overrides
 * and events, built from the v1 messages of thermwatch-mqtt(7). No DOM, no
 * network: app.js feeds it, view.js draws it, tests/web/model.test.js
 * checks it with node.
 */
(function (root, factory) {
	if (typeof module === 'object' && module.exports)
		module.exports = factory();
	else
		root.TwModel = factory();
})(this, function () {
	'use strict';

	var LEAVES = ['telemetry', 'state', 'event', 'status', 'peer',
		'override', 'bridge'];
	var MAX_PAYLOAD = 262144; /* the shipped broker's max_packet_size */
	var HOUR_MS = 3600 * 1000;
	var MAX_EVENTS = 200;

	function num(v) {
		return typeof v === 'number' && isFinite(v) ? v : null;
	}

	function str(v) {
		return typeof v === 'string' ? v : null;
	}

	/* The hottest valid sensor of a class: {c, slope, eta, trip}. */
	function hottest(sensors, cls) {
		var best = null;
		for (var i = 0; i < sensors.length; i++) {
			var s = sensors[i];
			if (!s || s.class !== cls || s.status !== 'valid')
				continue;
			var c = num(s.filtered_c);
			if (c === null)
				c = num(s.value_c);
			if (c === null || (best && best.c >= c))
				continue;
			best = { c: c, slope: num(s.slope_c_per_min),
				eta: num(s.eta_s), trip: num(s.trip_c) };
		}
		return best;
	}

	/*
	 * The shortest time to a trip: the engine's (state topic, which may
	 * use the zone's slope), aged by the host's clock since it was sent,
	 * or a sensor's from newer telemetry when that is shorter.
	 */
	function hostEta(h) {
		var e = null;
		if (h.stateEta !== null && h.stateTs !== null &&
		    h.lastTs !== null) {
			e = h.stateEta - (h.lastTs - h.stateTs) / 1000;
			if (e <= 0)
				e = null;	/* that projection did not hold */
		}
		if (h.sensorEta !== null && (e === null || h.sensorEta < e))
			e = h.sensorEta;
		return e;
	}

	function newHost(site, zone, host) {
		return {
			site: site, zone: zone, host: host,
			key: site + '/' + zone + '/' + host,
			tier: null,
			state: null,		/* state topic, else telemetry */
			engineState: null,	/* under "hold" */
			prevState: null,
			reason: '',
			since: null,
			eta: null,		/* hostEta() */
			stateEta: null, stateTs: null, sensorEta: null,
			accepting: null,
			zoneAlarm: false,
			alarmSince: null,	/* ts of the first zone_alarm true */
			stateSeen: false,
			inlet: null, inletSlope: null, inletTrip: null,
			cpu: null,
			stale: 0,		/* sensors not valid */
			status: null,		/* online / offline */
			statusReason: '',
			statusTs: null,
			bridge: null,		/* true / false / null */
			version: null,
			overrides: [],
			lastTs: null,		/* newest message ts (its clock) */
			lastArrival: null,	/* arrival time (page clock) */
			lastLeaf: null,
			series: []		/* [ts, inlet] over the last hour */
		};
	}

	function Room(opts) {
		opts = opts || {};
		this.prefix = (opts.prefix || 'thermwatch/v1').replace(/\/+$/, '');
		this.hosts = new Map();
		this.events = [];
		this.eventKeys = new Set();
		this.counts = { messages: 0, ignored: 0, bad: 0 };
		this.lastError = '';
		this.version = 0;	/* bumped on every change */
	}

	/* topic -> {site, zone, host, leaf} or null (not ours) */
	Room.prototype.parseTopic = function (topic) {
		var p = this.prefix + '/';
		if (typeof topic !== 'string' || topic.indexOf(p) !== 0)
			return null;
		var rest = topic.slice(p.length).split('/');
		if (rest.length < 4)
			return null;
		var leaf = rest.slice(3).join('/');
		if (LEAVES.indexOf(leaf) < 0)
			return null;	/* override/set, uplink, ... */
		for (var i = 0; i < 3; i++)
			if (rest[i] === '' || rest[i] === '_all')
				return null;
		return { site: rest[0], zone: rest[1], host: rest[2],
			leaf: leaf };
	};

	Room.prototype.host = function (t) {
		var key = t.site + '/' + t.zone + '/' + t.host;
		var h = this.hosts.get(key);
		if (!h) {
			h = newHost(t.site, t.zone, t.host);
			this.hosts.set(key, h);
		}
		return h;
	};

	Room.prototype.bad = function (topic, why) {
		this.counts.bad++;
		this.lastError = topic + ': ' + why;
		return false;
	};

	/*
	 * One message. text is the payload as a string, arrival the page's
	 * clock in ms. Returns true when the model changed.
	 */
	Room.prototype.handle = function (topic, text, arrival) {
		this.counts.messages++;
		var t = this.parseTopic(topic);
		if (t === null) {
			this.counts.ignored++;
			return false;
		}
		if (typeof text !== 'string' || text.length > MAX_PAYLOAD)
			return this.bad(topic, 'payload too large');
		if (t.leaf === 'bridge')
			return this.onBridge(t, text, arrival);
		if (text === '')
			return this.onCleared(t);
		var m;
		try {
			m = JSON.parse(text);
		} catch (e) {
			return this.bad(topic, 'not JSON');
		}
		if (m === null || typeof m !== 'object' || Array.isArray(m))
			return this.bad(topic, 'not a JSON object');
		if (m.v !== 1) {
			this.counts.ignored++;
			return false;	/* another schema version */
		}
		var h = this.host(t);
		var ts = num(m.ts);
		if (ts !== null && t.leaf !== 'status' &&
		    (h.lastTs === null || ts > h.lastTs))
			h.lastTs = ts;
		h.lastArrival = arrival;
		h.lastLeaf = t.leaf;
		if (num(m.tier) !== null)
			h.tier = m.tier;
		switch (t.leaf) {
		case 'state': this.onState(h, m); break;
		case 'telemetry': this.onTelemetry(h, m); break;
		case 'status': this.onStatus(h, m); break;
		case 'override': this.onOverride(h, m); break;
		case 'event': this.onEvent(h, m, arrival); break;
		case 'peer': this.onPeer(h, m); break;
		}
		this.version++;
		return true;
	};

	/* An empty retained message clears the topic: forget what it said. */
	Room.prototype.onCleared = function (t) {
		var h = this.hosts.get(t.site + '/' + t.zone + '/' + t.host);
		if (!h)
			return false;
		if (t.leaf === 'override')
			h.overrides = [];
		else if (t.leaf === 'status')
			h.status = null;
		else if (t.leaf === 'state')
			h.stateSeen = false;
		else
			return false;
		this.version++;
		return true;
	};

	Room.prototype.onBridge = function (t, text, arrival) {
		var v = text.trim();
		if (v !== '' && v !== '1' && v !== '0')
			return this.bad(t.leaf, 'bridge payload not 0 or 1');
		var h = this.host(t);
		h.bridge = v === '' ? null : v === '1';
		h.lastArrival = arrival;
		this.version++;
		return true;
	};

	Room.prototype.noteAlarm = function (h, alarm, ts) {
		if (alarm && !h.zoneAlarm)
			h.alarmSince = ts;
		if (!alarm)
			h.alarmSince = null;
		h.zoneAlarm = alarm;
	};

	Room.prototype.onState = function (h, m) {
		var st = str(m.state);
		if (st === null)
			return;
		h.stateSeen = true;
		h.state = st;
		h.engineState = str(m.engine_state);
		h.prevState = str(m.prev_state);
		h.reason = str(m.reason) || '';
		h.since = num(m.since);
		h.stateEta = num(m.eta_s);
		h.stateTs = num(m.ts);
		h.eta = hostEta(h);
		h.accepting = typeof m.accepting_load === 'boolean' ?
		    m.accepting_load : null;
		if (typeof m.zone_alarm === 'boolean')
			this.noteAlarm(h, m.zone_alarm, num(m.ts));
	};

	/*
	 * Telemetry brings the figures. The state topic stays the authority
	 * on the state ("hold" is only there); a zone alarm or a hot engine
	 * seen in newer telemetry means no load, as thermwatch-mqtt(7) says
	 * accepting_load is defined.
	 */
	Room.prototype.onTelemetry = function (h, m) {
		var sensors = Array.isArray(m.sensors) ? m.sensors : [];
		var inlet = hottest(sensors, 'inlet');
		var cpu = hottest(sensors, 'cpu');
		var eta = null;
		h.inlet = inlet ? inlet.c : null;
		h.inletSlope = inlet ? inlet.slope : null;
		h.inletTrip = inlet ? inlet.trip : null;
		h.cpu = cpu ? cpu.c : null;
		h.stale = 0;
		for (var i = 0; i < sensors.length; i++) {
			var s = sensors[i];
			if (s && s.status !== 'valid')
				h.stale++;
			if (s && s.status === 'valid' && num(s.eta_s) !== null &&
			    (eta === null || s.eta_s < eta))
				eta = s.eta_s;
		}
		if (!h.stateSeen && str(m.state) !== null)
			h.state = m.state;
		if (typeof m.zone_alarm === 'boolean') {
			this.noteAlarm(h, m.zone_alarm, num(m.ts));
			if (m.zone_alarm)
				h.accepting = false;
		}
		if (m.state === 'hot' || m.state === 'critical')
			h.accepting = false;
		h.sensorEta = eta;
		h.eta = hostEta(h);
		var ts = num(m.ts);
		if (ts !== null && h.inlet !== null) {
			h.series.push([ts, h.inlet]);
			var cut = h.lastTs - HOUR_MS - 60000;
			while (h.series.length > 0 && h.series[0][0] < cut)
				h.series.shift();
		}
	};

	Room.prototype.onStatus = function (h, m) {
		var st = str(m.status);
		if (st !== 'online' && st !== 'offline')
			return;
		h.status = st;
		h.statusReason = str(m.reason) || '';
		h.statusTs = num(m.ts);
		h.version = str(m.version);
	};

	Room.prototype.onPeer = function (h, m) {
		if (h.inlet === null && num(m.inlet_c) !== null)
			h.inlet = m.inlet_c;
		if (!h.stateSeen && str(m.state) !== null)
			h.state = m.state;
	};

	Room.prototype.onOverride = function (h, m) {
		var list = Array.isArray(m.overrides) ? m.overrides : [];
		h.overrides = [];
		for (var i = 0; i < list.length && i < 100; i++) {
			var o = list[i];
			if (!o || str(o.key) === null)
				continue;
			h.overrides.push({ key: o.key, value: num(o.value),
				expires: num(o.expires),
				expiresIn: num(o.expires_in_s),
				reason: str(o.reason) || '',
				author: str(o.author) || '' });
		}
	};

	Room.prototype.onEvent = function (h, m, arrival) {
		var type = str(m.type) || 'unknown';
		/* QoS 1 may deliver twice: the same seq and ts is one event */
		var id = h.key + '|' + m.seq + '|' + m.ts;
		if (this.eventKeys.has(id))
			return;
		this.eventKeys.add(id);
		this.events.unshift({ host: h.host, zone: h.zone, site: h.site,
			ts: num(m.ts), arrival: arrival, type: type, m: m });
		while (this.events.length > MAX_EVENTS) {
			var old = this.events.pop();
			this.eventKeys.delete(old.site + '/' + old.zone + '/' +
			    old.host + '|' + old.m.seq + '|' + old.m.ts);
		}
	};

	/* --- views of the model for the page and the tests ------------- */

	/* offline: the last will ("connection lost"), a clean stop, or
	 * the host's local broker's bridge will ("0"). */
	function offline(h) {
		if (h.bridge === false)
			return 'host dark (bridge lost)';
		if (h.status === 'offline')
			return h.statusReason === 'shutdown' ? 'agent stopped' :
			    'agent lost (' + (h.statusReason || 'last will') + ')';
		return null;
	}

	function naturalCompare(a, b) {
		return a.localeCompare(b, 'en', { numeric: true });
	}

	/* [{site, zone, key, hosts: [...]}] sorted by name */
	Room.prototype.zones = function () {
		var byKey = new Map();
		this.hosts.forEach(function (h) {
			var k = h.site + '/' + h.zone;
			if (!byKey.has(k))
				byKey.set(k, { site: h.site, zone: h.zone, key: k,
					hosts: [] });
			byKey.get(k).hosts.push(h);
		});
		var zs = Array.from(byKey.values());
		zs.sort(function (a, b) { return naturalCompare(a.key, b.key); });
		zs.forEach(function (z) {
			z.hosts.sort(function (a, b) {
				return naturalCompare(a.host, b.host);
			});
		});
		return zs;
	};

	/*
	 * The zone's cooling alarm and its evidence: how many hosts report
	 * it, since when, the hottest inlet and the mean inlet slope, and
	 * the newest state reason that gives the engine's own count.
	 */
	Room.prototype.zoneSummary = function (z) {
		var s = { hosts: z.hosts.length, alarm: 0, since: null,
			inletMax: null, inletMaxHost: null, slopeSum: 0,
			slopeN: 0, evidence: '', evidenceHost: null,
			offline: 0, byState: {} };
		var evTs = -1;
		z.hosts.forEach(function (h) {
			var off = offline(h);
			if (off) {
				s.offline++;
			} else {
				var st = h.state || 'unknown';
				s.byState[st] = (s.byState[st] || 0) + 1;
			}
			if (!off && h.zoneAlarm) {
				s.alarm++;
				if (h.alarmSince !== null &&
				    (s.since === null || h.alarmSince < s.since))
					s.since = h.alarmSince;
			}
			if (!off && h.inlet !== null &&
			    (s.inletMax === null || h.inlet > s.inletMax)) {
				s.inletMax = h.inlet;
				s.inletMaxHost = h.host;
			}
			if (!off && h.inletSlope !== null) {
				s.slopeSum += h.inletSlope;
				s.slopeN++;
			}
			var at = h.reason.indexOf('zone cooling alarm');
			if (h.zoneAlarm && at >= 0 && (h.since || 0) > evTs) {
				evTs = h.since || 0;
				s.evidence = h.reason.slice(at);
				s.evidenceHost = h.host;
			}
		});
		s.slope = s.slopeN > 0 ? s.slopeSum / s.slopeN : null;
		return s;
	};

	/*
	 * The zone's hottest inlet over the last hour of its own clock:
	 * one point per bucket (the maximum over its hosts), and the lowest
	 * inlet trip point seen. {t0, t1, points: [[ts, c]], trip}.
	 */
	Room.prototype.zoneInlet = function (z, buckets) {
		var t1 = null, trip = null;
		buckets = buckets || 60;
		z.hosts.forEach(function (h) {
			var n = h.series.length;
			if (n > 0 && (t1 === null || h.series[n - 1][0] > t1))
				t1 = h.series[n - 1][0];
			if (h.inletTrip !== null && (trip === null ||
			    h.inletTrip < trip))
				trip = h.inletTrip;
		});
		if (t1 === null)
			return { t0: null, t1: null, points: [], trip: trip };
		var t0 = t1 - HOUR_MS, w = HOUR_MS / buckets;
		var max = new Array(buckets).fill(null);
		z.hosts.forEach(function (h) {
			h.series.forEach(function (p) {
				if (p[0] < t0 || p[0] > t1)
					return;
				var b = Math.min(buckets - 1,
				    Math.floor((p[0] - t0) / w));
				if (max[b] === null || p[1] > max[b])
					max[b] = p[1];
			});
		});
		var points = [];
		for (var b = 0; b < buckets; b++)
			if (max[b] !== null)
				points.push([t0 + (b + 0.5) * w, max[b]]);
		return { t0: t0, t1: t1, points: points, trip: trip };
	};

	/* Overrides in force, the same one on several hosts grouped. */
	Room.prototype.overrides = function () {
		var groups = new Map();
		this.hosts.forEach(function (h) {
			h.overrides.forEach(function (o) {
				var k = [h.site, h.zone, o.key, o.value, o.reason,
					o.author].join('\u0000');
				var g = groups.get(k);
				if (!g) {
					g = { site: h.site, zone: h.zone, key: o.key,
						value: o.value, reason: o.reason,
						author: o.author, expires: o.expires,
						hosts: [] };
					groups.set(k, g);
				}
				g.hosts.push(h.host);
				if (o.expires !== null && (g.expires === null ||
				    o.expires < g.expires))
					g.expires = o.expires;
			});
		});
		var list = Array.from(groups.values());
		list.forEach(function (g) { g.hosts.sort(naturalCompare); });
		list.sort(function (a, b) {
			return (a.expires || 0) - (b.expires || 0);
		});
		return list;
	};

	/* A flat summary for tests and the console. */
	Room.prototype.snapshot = function () {
		var self = this;
		return {
			zones: this.zones().map(function (z) {
				var s = self.zoneSummary(z);
				return { site: z.site, zone: z.zone,
					hosts: z.hosts.map(function (h) {
						return { host: h.host, state: h.state,
							tier: h.tier, inlet: h.inlet,
							cpu: h.cpu, eta: h.eta,
							accepting: h.accepting,
							zoneAlarm: h.zoneAlarm,
							offline: offline(h) };
					}),
					alarm: s.alarm, evidence: s.evidence,
					sparkPoints: self.zoneInlet(z).points.length };
			}),
			overrides: this.overrides(),
			events: this.events.length,
			counts: this.counts
		};
	};

	return { Room: Room, offline: offline, hottest: hottest,
		HOUR_MS: HOUR_MS };
});
