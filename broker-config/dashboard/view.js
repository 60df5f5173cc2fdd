/*
 * view.js - draws the Room (model.js) into the page: one section per zone
 * with its alarm, counts, inlet sparkline and a grid of host tiles; the
 * overrides in force and the last events beside it. Elements are made
 * once and updated in place; every text from a message goes in with
 * textContent, never as markup.
 */
(function (root) {
	'use strict';

	var SVGNS = 'http://www.w3.org/2000/svg';
	var SPARK_W = 220, SPARK_H = 44;
	var STATE_ORDER = ['critical', 'hot', 'warn', 'hold', 'degraded', 'ok',
		'unknown'];
	var MAX_EVENTS_SHOWN = 40;

	function el(tag, cls, text) {
		var e = document.createElement(tag);
		if (cls)
			e.className = cls;
		if (text !== undefined)
			e.textContent = text;
		return e;
	}

	function setText(e, text) {
		if (e.textContent !== text)
			e.textContent = text;
	}

	function setAttr(e, name, value) {
		if (e.getAttribute(name) !== value)
			e.setAttribute(name, value);
	}

	function pad2(n) {
		return (n < 10 ? '0' : '') + n;
	}

	function fmtTime(ms) {
		if (ms === null || ms === undefined)
			return '--:--:--';
		var d = new Date(ms);
		return pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' +
		    pad2(d.getSeconds());
	}

	/*
	 * A duration in seconds: 45s, 9m33s, 17m05s, 3h05m, 2d 4h. Tight
	 * (for a tile) drops the seconds from 10 minutes on.
	 */
	function fmtDur(s, tight) {
		if (s === null || s === undefined || !isFinite(s))
			return '\u2014';
		s = Math.max(0, Math.round(s));
		var m = Math.floor(s / 60), h = Math.floor(s / 3600);
		if (s < 60)
			return s + 's';
		if (s < 3600)
			return m + 'm' + (tight && s >= 600 ? '' : pad2(s % 60) + 's');
		if (s < 86400)
			return h + 'h' + pad2(m % 60) + 'm';
		return Math.floor(s / 86400) + 'd ' + h % 24 + 'h';
	}

	function fmtC(c, digits) {
		return c === null || c === undefined ? '\u2014' :
		    c.toFixed(digits) + '\u00b0';
	}

	function fmtSlope(s) {
		if (s === null || s === undefined)
			return '';
		return (s >= 0 ? '+' : '\u2212') + Math.abs(s).toFixed(2) +
		    ' \u00b0C/min';
	}

	/* ------------------------------------------------------------ */

	function View(room, cfg) {
		this.room = room;
		this.cfg = cfg;
		this.zonesEl = document.getElementById('zones');
		this.ovrEl = document.getElementById('ovr-list');
		this.evEl = document.getElementById('ev-list');
		this.connEl = document.getElementById('conn');
		this.statsEl = document.getElementById('stats');
		this.zoneEls = new Map();
		this.tiles = new Map();	/* host key -> tile elements */
		this.drawn = -1;
		this.pending = false;
		this.renders = 0;
		this.sort = cfg.sort || 'name';
	}

	/* Draw at the next frame (many messages, one drawing). */
	View.prototype.schedule = function () {
		var self = this;
		if (this.pending)
			return;
		this.pending = true;
		var run = function () {
			self.pending = false;
			self.render();
		};
		if (document.hidden)
			setTimeout(run, 250);
		else
			requestAnimationFrame(run);
	};

	View.prototype.setConnection = function (state, text) {
		setAttr(this.connEl, 'data-conn', state);
		setText(this.connEl, text);
		document.body.setAttribute('data-conn', state);
	};

	View.prototype.render = function (force) {
		var room = this.room;
		this.renderClockBound();
		if (!force && this.drawn === room.version)
			return;
		this.drawn = room.version;
		var zones = room.zones(), self = this, alarms = [];
		zones.forEach(function (z, i) {
			var ze = self.zoneEls.get(z.key);
			if (!ze) {
				ze = self.makeZone(z);
				self.zoneEls.set(z.key, ze);
			}
			if (self.zonesEl.children[i] !== ze.root)
				self.zonesEl.insertBefore(ze.root,
				    self.zonesEl.children[i] || null);
			if (self.renderZone(ze, z))
				alarms.push(z.zone);
		});
		/* a tab in the background still says it */
		document.title = (alarms.length ? 'COOLING ALARM ' +
		    alarms.join(', ') + ' \u00b7 ' : '') + 'thermwatch room view';
		this.renderOverrides();
		this.renderEvents();
		setText(this.statsEl, room.hosts.size + ' hosts, ' +
		    room.counts.messages + ' messages' +
		    (room.counts.bad ? ', ' + room.counts.bad + ' bad' : ''));
		this.renders++;
	};

	/* What changes with the clock alone: expiries, silent hosts. */
	View.prototype.renderClockBound = function () {
		var now = Date.now(), silentMs = this.cfg.silentS * 1000;
		var items = this.ovrEl.querySelectorAll('[data-expires]');
		for (var i = 0; i < items.length; i++) {
			var exp = Number(items[i].getAttribute('data-expires'));
			setText(items[i], exp - now > 0 ?
			    'expires in ' + fmtDur((exp - now) / 1000) +
			    ' (' + fmtTime(exp) + ')' :
			    'expired ' + fmtTime(exp) + ', no news since');
		}
		var tiles = this.tiles;
		this.room.hosts.forEach(function (h) {
			var t = tiles.get(h.key);
			if (!t)
				return;
			var quiet = h.lastArrival !== null &&
			    now - h.lastArrival > silentMs;
			setAttr(t.root, 'data-silent', quiet ? '1' : '0');
			setText(t.silent, quiet ? 'silent ' +
			    fmtDur((now - h.lastArrival) / 1000) : '');
		});
	};

	View.prototype.makeZone = function (z) {
		var root = el('section', 'zone');
		root.setAttribute('data-zone', z.key);
		var head = el('header', 'zone-head');
		var title = el('h2', 'zone-title');
		title.appendChild(el('span', 'site', z.site + ' / '));
		title.appendChild(el('span', 'zname', z.zone));
		var counts = el('div', 'counts');
		var fig = el('figure', 'spark');
		var svg = document.createElementNS(SVGNS, 'svg');
		svg.setAttribute('viewBox', '0 0 ' + SPARK_W + ' ' + SPARK_H);
		svg.setAttribute('width', SPARK_W);
		svg.setAttribute('height', SPARK_H);
		svg.setAttribute('role', 'img');
		var trip = document.createElementNS(SVGNS, 'path');
		trip.setAttribute('class', 'trip');
		var line = document.createElementNS(SVGNS, 'path');
		line.setAttribute('class', 'line');
		svg.appendChild(trip);
		svg.appendChild(line);
		var cap = el('figcaption');
		fig.appendChild(svg);
		fig.appendChild(cap);
		head.appendChild(title);
		head.appendChild(counts);
		head.appendChild(fig);
		var alarm = el('div', 'alarm');
		alarm.hidden = true;
		var grid = el('div', 'grid');
		root.appendChild(head);
		root.appendChild(alarm);
		root.appendChild(grid);
		return { root: root, counts: counts, svg: svg, trip: trip,
			line: line, cap: cap, alarm: alarm, grid: grid };
	};

	View.prototype.renderZone = function (ze, z) {
		var room = this.room, s = room.zoneSummary(z);
		setAttr(ze.root, 'data-alarm', s.alarm > 0 ? '1' : '0');
		/* counts per state, worst first */
		var parts = [];
		STATE_ORDER.forEach(function (st) {
			if (s.byState[st])
				parts.push([st, s.byState[st]]);
		});
		Object.keys(s.byState).forEach(function (st) {
			if (STATE_ORDER.indexOf(st) < 0)
				parts.push([st, s.byState[st]]);
		});
		if (s.offline)
			parts.push(['offline', s.offline]);
		var sig = parts.map(function (p) { return p.join(':'); }).join();
		if (ze.countsSig !== sig) {
			ze.countsSig = sig;
			ze.counts.textContent = '';
			ze.counts.appendChild(el('span', 'n', s.hosts +
			    (s.hosts === 1 ? ' host' : ' hosts')));
			parts.forEach(function (p) {
				var c = el('span', 'chip', p[1] + ' ' + p[0]);
				c.setAttribute('data-state', p[0]);
				ze.counts.appendChild(c);
			});
		}
		this.renderAlarm(ze, s);
		this.renderSpark(ze, z, s);
		this.renderTiles(ze, z);
		return s.alarm > 0;
	};

	View.prototype.renderAlarm = function (ze, s) {
		if (s.alarm === 0) {
			ze.alarm.hidden = true;
			return;
		}
		ze.alarm.hidden = false;
		var parts = ['COOLING ALARM'];
		if (s.since !== null)
			parts.push('since ' + fmtTime(s.since));
		parts.push(s.alarm + ' of ' + (s.hosts - s.offline) +
		    ' hosts report it');
		if (s.inletMax !== null)
			parts.push('hottest inlet ' + fmtC(s.inletMax, 1) + 'C (' +
			    s.inletMaxHost + ')');
		if (s.slope !== null)
			parts.push('mean inlet slope ' + fmtSlope(s.slope));
		var text = parts.join(' \u00b7 ');
		if (s.evidence)
			text += '\n' + s.evidenceHost + ': ' + s.evidence;
		setText(ze.alarm, text);
	};

	View.prototype.renderSpark = function (ze, z, s) {
		var series = this.room.zoneInlet(z);
		var g = root.TwSpark.geometry(series, SPARK_W, SPARK_H);
		setAttr(ze.line, 'd', g.line || 'M0 0');
		setAttr(ze.trip, 'd', g.trip || 'M0 0');
		setAttr(ze.svg, 'data-points', String(series.points.length));
		var cap = g.last === null ? 'inlet: no data yet' :
		    'hottest inlet, last hour: ' + fmtC(g.last, 1) + 'C' +
		    (s.slope !== null ? ' ' + fmtSlope(s.slope) : '') +
		    (series.trip !== null ? ' \u00b7 trip ' +
		    fmtC(series.trip, 0) + 'C' : '');
		setText(ze.cap, cap);
		setAttr(ze.svg, 'aria-label', cap);
	};

	function makeTile(h) {
		var root = el('div', 'host');
		root.setAttribute('data-host', h.host);
		var r1 = el('div', 'r1'), r2 = el('div', 'r2'),
		    r3 = el('div', 'r3'), r4 = el('div', 'r4');
		var t = { root: root, name: el('b', 'name', h.host),
			tier: el('span', 'tier'), state: el('span', 'st'),
			eta: el('span', 'eta'), temps: el('span', 'temps'),
			load: el('span', 'load'), stale: el('span', 'stale'),
			silent: el('span', 'silent') };
		/* name, tier / state, notes / inlet, cpu / load, eta */
		r1.appendChild(t.name);
		r1.appendChild(t.tier);
		r2.appendChild(t.state);
		r2.appendChild(t.stale);
		r2.appendChild(t.silent);
		r3.appendChild(t.temps);
		r4.appendChild(t.load);
		r4.appendChild(t.eta);
		root.appendChild(r1);
		root.appendChild(r2);
		root.appendChild(r3);
		root.appendChild(r4);
		return t;
	}

	function etaOf(h) {
		return h.eta === null ? Infinity : h.eta;
	}

	View.prototype.renderTiles = function (ze, z) {
		var hosts = z.hosts.slice();
		if (this.sort === 'eta')
			hosts.sort(function (a, b) { return etaOf(a) - etaOf(b); });
		else if (this.sort === 'tier')
			hosts.sort(function (a, b) {
				return (b.tier || 0) - (a.tier || 0);
			});
		var grid = ze.grid, tiles = this.tiles;
		hosts.forEach(function (h, i) {
			var t = tiles.get(h.key);
			if (!t) {
				t = makeTile(h);
				tiles.set(h.key, t);
			}
			if (grid.children[i] !== t.root)
				grid.insertBefore(t.root, grid.children[i] || null);
			updateTile(h, t);
		});
	};

	function updateTile(h, t) {
		var off = root.TwModel.offline(h);
		var st = h.state || 'unknown';
		setAttr(t.root, 'data-state', st);
		setAttr(t.root, 'data-offline', off ? '1' : '0');
		setAttr(t.root, 'data-alarm', h.zoneAlarm ? '1' : '0');
		setAttr(t.root, 'data-accepting', h.accepting === false ? '0' :
		    h.accepting === true ? '1' : '');
		setText(t.tier, h.tier === null ? '' : 'tier ' + h.tier);
		if (off) {
			setText(t.state, 'OFFLINE');
			setText(t.eta, 'was ' + st);
		} else {
			setText(t.state, st.toUpperCase() +
			    (h.engineState ? ' (' + h.engineState + ')' : ''));
			setText(t.eta, h.eta === null ? '' :
			    'eta ' + fmtDur(h.eta, true));
		}
		setText(t.temps, 'in ' + fmtC(h.inlet, 1) + '  cpu ' +
		    fmtC(h.cpu, 0));
		setText(t.stale, h.stale ? h.stale + ' sensor' +
		    (h.stale > 1 ? 's' : '') + ' stale' : '');
		setText(t.load, off ? '' : h.accepting === false ? 'no load' :
		    h.accepting === true ? 'load ok' : '');
		var tip = h.site + '/' + h.zone + '/' + h.host;
		if (off)
			tip += '\n' + off + (h.statusTs ? ' (' +
			    fmtTime(h.statusTs) + ')' : '');
		if (h.reason)
			tip += '\n' + h.reason;
		if (h.since)
			tip += '\nsince ' + fmtTime(h.since);
		if (h.version)
			tip += '\nagent ' + h.version;
		setAttr(t.root, 'title', tip);
	}

	View.prototype.renderOverrides = function () {
		var list = this.room.overrides(), ul = this.ovrEl;
		ul.textContent = '';
		if (list.length === 0) {
			ul.appendChild(el('li', 'none', 'none'));
			return;
		}
		list.forEach(function (o) {
			var li = el('li', 'ovr');
			li.setAttribute('data-key', o.key);
			li.appendChild(el('b', 'kv', o.key + ' = ' +
			    (o.value === null ? '?' : o.value)));
			li.appendChild(el('span', 'where', o.site + '/' + o.zone +
			    ': ' + (o.hosts.length > 4 ? o.hosts.length +
			    ' hosts' : o.hosts.join(', '))));
			var exp = el('span', 'exp');
			if (o.expires !== null)
				exp.setAttribute('data-expires', String(o.expires));
			li.appendChild(exp);
			li.appendChild(el('span', 'why', o.reason + ' \u2014 ' +
			    o.author));
			ul.appendChild(li);
		});
		this.renderClockBound();
	};

	/* One line per event: what it says, in words. */
	function describe(e) {
		var m = e.m, s = function (k) {
			return typeof m[k] === 'string' || typeof m[k] ===
			    'number' ? String(m[k]) : '';
		};
		switch (e.type) {
		case 'state':
			return [s('from') + ' \u2192 ' + s('to'), s('reason'),
				s('to')];
		case 'decision':
			return [s('action') + ' ' + s('code'), s('reason'),
				{ shutdown: 'critical', migrate: 'hot',
				  hold: 'warn' }[m.action] ||
				(/^state\./.test(m.code) ? m.code.slice(6) : 'ok')];
		case 'override':
			return ['override ' + s('action') + ' ' + s('key') +
				(m.action === 'set' ? ' = ' + s('value') +
				 ' for ' + fmtDur(m.ttl_s) : ''),
				s('reason') + ' \u2014 ' + s('author') +
				(m.via ? ' (' + s('via') + ')' : ''), 'hold'];
		case 'override_rejected':
			return ['override refused ' + s('key'), s('message'),
				'warn'];
		case 'dropped':
			return [s('count') + ' events lost (seq ' +
				s('first_seq') + '\u2013' + s('last_seq') + ')',
				s('reason'), 'warn'];
		default:
			return [e.type.replace(/_/g, ' ') + ' ' + s('action'),
				s('reason') || s('message') || s('sensor'), 'ok'];
		}
	}

	View.prototype.renderEvents = function () {
		var ol = this.evEl, evs = this.room.events;
		var sig = evs.length ? evs.length + '|' + evs[0].host + '|' +
		    evs[0].m.seq + '|' + evs[0].ts : '0';
		if (this.evSig === sig)
			return;
		this.evSig = sig;
		ol.textContent = '';
		if (evs.length === 0)
			ol.appendChild(el('li', 'none', 'none yet'));
		evs.slice(0, MAX_EVENTS_SHOWN).forEach(function (e) {
			var d = describe(e), li = el('li', 'ev');
			li.setAttribute('data-type', e.type);
			li.setAttribute('data-state', d[2]);
			li.appendChild(el('time', '', fmtTime(e.ts)));
			li.appendChild(el('b', 'who', e.host));
			li.appendChild(el('span', 'zn', e.zone));
			li.appendChild(el('span', 'what', d[0]));
			if (d[1])
				li.appendChild(el('span', 'why', d[1]));
			ol.appendChild(li);
		});
	};

	root.TwView = { View: View, fmtDur: fmtDur, fmtTime: fmtTime };
})(this);
