/*
 * drive.js - the browser half of tests/web/dashboard.sh: Debian's chromium
 * (driven by playwright-core, never a downloaded browser) opens the room
 * view from the test broker while thermwatch-sim plays the AC failure,
 * and every assertion compares what the page shows (DOM, computed colours,
 * window.__tw) with what the broker holds. The simulator publishes
 * telemetry of schema 1, the real agent of schema 2: the page reads both. Prints "ok - " / "not ok - "
 * lines; exit status 1 when any failed.
 *
 * Environment (set by dashboard.sh): TW_URL, TW_PLAIN (zone broker, plain
 * MQTT), TW_BROKER_PID, TW_ZONE_CONF, TW_ZONE_LOG, TW_BROKER_PIDFILE (to
 * restart it), TW_SIM_BROKER, TW_SIM, TW_AGENT_PID, TW_OUT (artefacts),
 * TW_PLAYWRIGHT (playwright-core dir), CHROMIUM.
 */
'use strict';

const { spawn, spawnSync, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require(process.env.TW_PLAYWRIGHT);

const env = process.env;
const OUT = env.TW_OUT;
const VIEW = { width: 1440, height: 900 };
let fails = 0, checks = 0;

function ok(cond, desc, detail) {
	checks++;
	if (cond) {
		console.log('ok - ' + desc);
	} else {
		fails++;
		console.log('not ok - ' + desc + (detail ? ': ' + detail : ''));
	}
	return cond;
}

function sleep(ms) {
	return new Promise((r) => setTimeout(r, ms));
}

async function until(what, fn, timeoutMs) {
	const end = Date.now() + (timeoutMs || 20000);
	let last;
	while (Date.now() < end) {
		last = await fn();
		if (last === true)
			return true;
		await sleep(200);
	}
	console.log('# timed out waiting for ' + what + ': ' +
	    JSON.stringify(last).slice(0, 400));
	return false;
}

function mqttArgs(user) {
	return ['-h', '127.0.0.1', '-p', env.TW_PLAIN, '-u', user, '-P',
		user + 'pw'];
}

/* The retained messages of a topic filter on the zone broker. */
function retained(filter) {
	const r = spawnSync('mosquitto_sub', mqttArgs('operator').concat([
		'-t', filter, '-v', '--retained-only', '-W', '1']),
	{ encoding: 'utf8' });
	const out = new Map();
	r.stdout.split('\n').forEach((line) => {
		const sp = line.indexOf(' ');
		if (sp > 0)
			out.set(line.slice(0, sp), line.slice(sp + 1));
	});
	return out;
}

/* zone key -> Map(host -> state payload), from the broker */
function brokerStates() {
	const zones = new Map();
	retained('thermwatch/v1/+/+/+/state').forEach((payload, topic) => {
		const [, , site, zone, host] = topic.split('/');
		const k = site + '/' + zone;
		if (!zones.has(k))
			zones.set(k, new Map());
		zones.get(k).set(host, JSON.parse(payload));
	});
	return zones;
}

/*
 * Wait until the bridge from the simulator's broker has delivered all it
 * had: a marker sent after the simulation arrives after everything else.
 */
function drained() {
	const topic = 'thermwatch/v1/_test/_mark/_all/uplink'; /* a topic the bridge user may write */
	const mark = 'mark-' + Date.now();
	return new Promise((resolve) => {
		const sub = spawn('mosquitto_sub', mqttArgs('operator').concat([
			'-q', '1', '-t', topic, '-C', '1', '-W', '60']),
		{ stdio: ['ignore', 'pipe', 'ignore'] });
		let got = '';
		/* The mark is sent again every second until the subscriber has
		 * it: a subscriber slow to subscribe under load would miss a
		 * single one. Each is sent after the simulator's messages, so
		 * any of them arriving means those came first. */
		const pub = setInterval(() => execFileSync('mosquitto_pub', ['-h',
			'127.0.0.1', '-p', env.TW_SIM_BROKER, '-q', '1', '-t',
			topic, '-m', mark]), 1000);
		sub.stdout.on('data', (d) => { got += d; });
		/* 'close', not 'exit': the output may still be unread at exit */
		sub.on('close', () => {
			clearInterval(pub);
			resolve(got.trim() === mark);
		});
	});
}

/* Run the simulator; true when it ran and got every message out. */
function sim(args) {
	const r = spawnSync(env.TW_SIM, ['--mqtt', '127.0.0.1:' +
		env.TW_SIM_BROKER, '--mqtt-interval', '60', '--quiet']
		.concat(args), { encoding: 'utf8' });
	const line = (r.stdout + r.stderr).split('\n')
	    .find((l) => /^mqtt: published/.test(l)) || '';
	console.log('# thermwatch-sim ' + args.join(' ') + ': ' + line);
	const n = line.match(
		/published (\d+) messages .* (\d+) confirmed, (\d+) errors/);
	return r.status === 0 && n !== null && n[1] === n[2] && n[3] === '0';
}

/* What the page shows, read from the DOM and computed styles. */
function readPage(page) {
	return page.evaluate(() => {
		const out = {};
		document.querySelectorAll('section.zone').forEach((z) => {
			const a = z.querySelector('.alarm');
			const svg = z.querySelector('.spark svg');
			out[z.dataset.zone] = {
				alarm: z.dataset.alarm,
				alarmText: a.hidden ? '' : a.textContent,
				alarmShown: !a.hidden && a.offsetHeight > 0,
				spark: Number(svg.dataset.points),
				height: z.getBoundingClientRect().height,
				hosts: Array.from(z.querySelectorAll('.host'))
				    .map((h) => ({
					host: h.dataset.host,
					state: h.dataset.state,
					offline: h.dataset.offline,
					accepting: h.dataset.accepting,
					bg: getComputedStyle(h).backgroundColor,
					text: h.textContent
				}))
			};
		});
		return out;
	});
}

/* The page shows exactly the broker's hosts per zone, in their states. */
async function matchesBroker(page, expect) {
	return until('the page to show the broker\'s states', async () => {
		const shown = await readPage(page);
		const diff = [];
		expect.forEach((hosts, zk) => {
			const z = shown[zk];
			if (!z)
				return diff.push(zk + ' missing');
			if (z.hosts.length !== hosts.size)
				diff.push(zk + ': ' + z.hosts.length + ' hosts');
			z.hosts.forEach((h) => {
				const want = hosts.get(h.host);
				if (!want || want.state !== h.state)
					diff.push(zk + '/' + h.host + ' ' + h.state);
			});
		});
		return diff.length === 0 ? true : diff.slice(0, 8);
	});
}

/* state -> set of colours over all hosts not offline */
function coloursByState(shown) {
	const m = new Map();
	Object.values(shown).forEach((z) => z.hosts.forEach((h) => {
		if (h.offline === '1')
			return;
		if (!m.has(h.state))
			m.set(h.state, new Set());
		m.get(h.state).add(h.bg);
	}));
	return m;
}

function hostMap(shown) {
	const m = new Map();
	Object.entries(shown).forEach(([zk, z]) => z.hosts.forEach((h) =>
		m.set(zk + '/' + h.host, h)));
	return m;
}

async function main() {
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-chromium.'));
	const ctx = await chromium.launchPersistentContext(profile, {
		executablePath: env.CHROMIUM || '/usr/bin/chromium',
		headless: true,
		viewport: VIEW,
		args: ['--headless', '--no-sandbox', '--disable-gpu',
			'--disable-quic', '--no-first-run',
			'--disable-background-networking',
			'--disable-component-update', '--disable-sync']
	});
	const errors = [], bad = [];
	try {
		const page = ctx.pages()[0] || await ctx.newPage();
		page.on('pageerror', (e) => errors.push(String(e)));
		page.on('console', (m) => {
			if (m.type() === 'error')
				errors.push(m.text());
		});
		page.on('response', (r) => {
			if (r.status() >= 400)
				bad.push(r.status() + ' ' + r.url());
		});
		await run(page);
		ok(errors.length === 0, 'no script errors in the page',
		    errors.slice(0, 3).join(' | '));
		ok(bad.length === 0, 'every file of the page was served',
		    bad.join(', '));
	} finally {
		await ctx.close();
		fs.rmSync(profile, { recursive: true, force: true });
	}
}

/*
 * The zone broker restarts: the page must say at once that what it shows
 * is old, then reconnect by itself. The new broker's PID goes to
 * TW_BROKER_PIDFILE for dashboard.sh to track.
 */
async function reconnect(page) {
	const conn = () => page.$eval('#conn', (e) => [e.dataset.conn,
		e.textContent]);
	process.kill(Number(env.TW_BROKER_PID), 'SIGTERM');
	ok(await until('the page to notice', async () => {
		const c = await conn();
		return c[0] === 'down' && /DISCONNECTED/.test(c[1]) ? true : c;
	}, 10000), 'a lost broker is shown at once');
	const free = () => spawnSync('ss', ['-Hltn', 'sport = :' +
		env.TW_PLAIN], { encoding: 'utf8' }).stdout.trim() === '';
	await until('the port to be free', async () => free(), 10000);
	const log = fs.openSync(env.TW_ZONE_LOG, 'a');
	const b = spawn('mosquitto', ['-c', env.TW_ZONE_CONF],
	    { stdio: ['ignore', log, log] });
	fs.writeFileSync(env.TW_BROKER_PIDFILE, String(b.pid));
	ok(await until('the page to reconnect', async () => {
		const c = await conn();
		return c[0] === 'up' ? true : c;
	}, 20000), 'the page reconnects by itself');
	ok(await matchesBroker(page, brokerStates()),
	    'and shows the restarted broker\'s retained states');
}

async function run(page) {
	await page.goto(env.TW_URL);
	ok(await page.isVisible('#login'), 'login form shown first');
	await page.fill('#user', 'dashboard');
	await page.fill('#password', 'wrong');
	await page.click('#connect');
	ok(await until('login refused', async () =>
		await page.isVisible('#login') &&
		/refused/i.test(await page.textContent('#login-msg'))),
	'a wrong password is refused and the form says so');
	await page.fill('#password', 'dashboardpw');
	await page.click('#connect');
	ok(await until('subscribed', () =>
		page.evaluate(() => window.__tw.subscribed)),
	'logged in as dashboard over websockets, subscribed');

	/* 1. before the failure: every host ok */
	ok(sim(['--duration', '30m']), 'sim: 30 quiet minutes, every message' +
	    ' out');
	ok(await drained(), 'the bridge delivered them');
	let expect = brokerStates();
	const simZones = ['ac-failure/A', 'ac-failure/B'];
	ok(simZones.every((z) => expect.has(z) && expect.get(z).size > 0),
	    'the broker holds the simulated zones', Array.from(expect.keys()));
	ok(await matchesBroker(page, expect),
	    'hosts appear per zone, each in the state the broker holds');
	let shown = await readPage(page);
	const before = hostMap(shown);
	const sizes = simZones.map((z) => shown[z] ? shown[z].hosts.length : 0);
	ok(sizes[0] === expect.get('ac-failure/A').size &&
	    sizes[1] === expect.get('ac-failure/B').size,
	'zone A has ' + sizes[0] + ' hosts, zone B ' + sizes[1]);
	ok(simZones.every((z) => shown[z] && shown[z].alarm === '0'),
	    'no zone alarm before the failure');

	/* 2. the incident, through the first shutdowns; events captured
	 * by a second subscriber to compare with the page's list */
	const evFile = path.join(OUT, 'events.sub');
	const evSub = spawn('mosquitto_sub', mqttArgs('operator').concat([
		'-q', '1', '-v', '-t', 'thermwatch/v1/+/+/+/event']),
	{ stdio: ['ignore', fs.openSync(evFile, 'w'), 'ignore'] });
	await sleep(500);
	ok(sim(['--duration', '445m']), 'sim: the AC failure, every message' +
	    ' out');
	ok(await drained(), 'the bridge delivered them');
	expect = brokerStates();
	ok(await matchesBroker(page, expect),
	    'after the failure the page shows every host in its new state');
	await sleep(1000);
	evSub.kill();
	shown = await readPage(page);
	const after = hostMap(shown);

	/* colours follow states: one colour per state, a new colour for
	 * every host whose state changed */
	const cbs = coloursByState(shown);
	const states = Array.from(cbs.keys());
	ok(['warn', 'hot', 'critical'].every((s) => cbs.has(s)),
	    'warn, hot and critical hosts during the incident', states);
	ok(states.every((s) => cbs.get(s).size === 1),
	    'one colour per state');
	const colours = states.map((s) => Array.from(cbs.get(s))[0]);
	ok(new Set(colours).size === colours.length,
	    'a different colour for each state', states.join(' ') + ' ' +
	    colours.join(' '));
	let changed = 0, recoloured = 0;
	after.forEach((h, k) => {
		const b = before.get(k);
		if (!b || b.state === h.state)
			return;
		changed++;
		if (b.bg !== h.bg)
			recoloured++;
	});
	ok(changed > 20 && recoloured === changed, changed +
	    ' hosts changed state, ' + recoloured + ' changed colour');

	/* the zone alarm and its evidence */
	const za = shown['ac-failure/A'], zb = shown['ac-failure/B'];
	const alarmIn = (zk) => Array.from(expect.get(zk).values())
	    .some((s) => s.zone_alarm);
	ok(za.alarm === '1' && za.alarmShown && alarmIn('ac-failure/A'),
	    'zone A shows its cooling alarm');
	ok(/^COOLING ALARM A · /.test(await page.title()),
	    'the page title says so too: ' + await page.title());
	ok(/COOLING ALARM/.test(za.alarmText) &&
	    /\d+ of \d+ hosts report it/.test(za.alarmText) &&
	    /hottest inlet \d+\.\d/.test(za.alarmText),
	'the alarm gives its evidence', za.alarmText);
	const reason = Array.from(expect.get('ac-failure/A').values())
	    .map((s) => s.reason).find((r) => /zone cooling alarm,/.test(r));
	ok(!reason || za.alarmText.indexOf(
		reason.slice(reason.indexOf('zone cooling alarm'))) >= 0,
	'the alarm quotes the engine\'s count', reason);
	ok(zb.alarm === (alarmIn('ac-failure/B') ? '1' : '0'),
	    'zone B shows an alarm exactly when its hosts report one');
	ok(za.hosts.every((h) => h.accepting === '0'),
	    'no host of zone A takes load during its alarm');
	ok(za.hosts.every((h) => /tier \d/.test(h.text) &&
	    /in \d+\.\d°/.test(h.text)),
	'every tile shows tier and inlet');
	/* an eta where a host reports one (on a plateau none does) */
	const etaReported = Array.from(expect.get('ac-failure/A').values())
	    .some((s) => typeof s.eta_s === 'number');
	ok((!etaReported || za.hosts.some((h) => /eta \d/.test(h.text))) &&
	    za.hosts.some((h) => /cpu \d+°/.test(h.text)),
	'tiles show eta (where reported) and hottest CPU');
	ok(za.spark >= 30, 'zone A inlet sparkline: ' + za.spark +
	    ' points over the last hour');
	const rise = await page.evaluate(() => {
		const r = window.__tw.room;
		const z = r.zones().find((x) => x.key === 'ac-failure/A');
		const p = r.zoneInlet(z).points;
		return p[p.length - 1][1] - p[0][1];
	});
	ok(rise > 5, 'the sparkline rises ' + rise.toFixed(1) + ' C');
	ok(za.height < VIEW.height - 40, 'zone A (' + za.hosts.length +
	    ' hosts) fits on one ' + VIEW.width + 'x' + VIEW.height +
	    ' screen: ' + Math.round(za.height) + ' px');

	/* the last events: the page's list is the newest the broker sent */
	const sent = fs.readFileSync(evFile, 'utf8').split('\n').filter(Boolean)
	    .map((l) => JSON.parse(l.slice(l.indexOf(' ') + 1)));
	const listed = await page.$$eval('#ev-list li.ev', (lis) =>
		lis.map((li) => li.querySelector('.who').textContent + ' ' +
		    li.querySelector('.what').textContent));
	const newest = sent.slice(-listed.length).reverse()
	    .map((m) => m.host + ' ' + m.action + ' ' + m.code);
	ok(sent.length > 0 && listed.length >= Math.min(sent.length, 40),
	    listed.length + ' events listed of ' + sent.length + ' sent');
	ok(JSON.stringify(listed) === JSON.stringify(newest),
	    'the event list is the newest events, newest first',
	    listed[0] + ' vs ' + newest[0]);
	ok(listed.some((l) => / shutdown /.test(l)),
	    'shutdown decisions are among them');

	/* 3. an override set by an operator, reported by a real agent */
	execFileSync('mosquitto_pub', mqttArgs('operator').concat(['-q', '1',
		'-t', 'thermwatch/v1/dc1/r101/hv01/override/set', '-m',
		JSON.stringify({ v: 1, key: 'inlet.shutdown.margin_c',
			value: 5, ttl_s: 1800, reason: 'CRAC 2 serviced',
			author: 'alice', id: 'CHG-7' })]));
	ok(await until('the override', async () => {
		const t = await page.textContent('#ovr-list');
		return /inlet\.shutdown\.margin_c = 5/.test(t) &&
		    /dc1\/r101: hv01/.test(t) &&
		    /expires in (29|30)m/.test(t) &&
		    /CRAC 2 serviced — alice/.test(t) ? true : t;
	}), 'the override shows with its host, expiry, reason and author');
	ok(await until('the override event', async () =>
		(await page.$$('#ev-list li[data-type="override"]')).length > 0),
	'the override event is listed');

	/* 4. the agent dies: the broker publishes its last will */
	const tile = 'section[data-zone="dc1/r101"] .host[data-host="hv01"]';
	ok(await until('hv01 figures', async () => {
		const t = await page.$eval(tile, (h) => h.textContent);
		return /in 24\.0°?\s+cpu 52/.test(t) ? true : t;
	}), 'the real agent\'s telemetry (schema 2, joined with its ' +
	    'sensors message) shows in its tile');
	const live = await page.$eval(tile, (h) => [h.dataset.offline,
		getComputedStyle(h).backgroundColor]);
	process.kill(Number(env.TW_AGENT_PID), 'SIGKILL');
	ok(await until('hv01 offline', () => page.$eval(tile,
		(h) => h.dataset.offline === '1')), 'the killed agent is marked' +
	    ' offline (its last will)');
	const dead = await page.$eval(tile, (h) => [h.textContent,
		getComputedStyle(h).backgroundColor,
		getComputedStyle(h).borderTopStyle]);
	ok(live[0] === '0' && /OFFLINE/.test(dead[0]) && dead[1] !== live[1] &&
	    dead[2] === 'dashed', 'offline tile greyed, dashed, says so',
	dead.join(' | '));
	const will = retained('thermwatch/v1/dc1/r101/hv01/status')
	    .get('thermwatch/v1/dc1/r101/hv01/status') || '{}';
	ok(JSON.parse(will).reason === 'connection lost',
	    'the broker holds the will: ' + will.slice(0, 80));

	await page.evaluate(() => window.scrollTo(0, 0));
	await page.screenshot({ path: path.join(OUT, 'dashboard.png'),
		fullPage: true });
	await page.screenshot({ path: path.join(OUT, 'dashboard-screen.png') });
	ok(fs.statSync(path.join(OUT, 'dashboard.png')).size > 20000,
	    'screenshot saved: ' + path.join(OUT, 'dashboard.png'));
	/* a small laptop, less the browser's own bars */
	await page.setViewportSize({ width: 1366, height: 768 });
	await sleep(300);
	const fit = await page.evaluate(() => [document.querySelector(
		'section.zone[data-zone="ac-failure/A"]').getBoundingClientRect()
		.bottom, Array.from(document.querySelectorAll('.host > div'))
		.filter((d) => d.scrollWidth > d.clientWidth)
		.map((d) => d.textContent)]);
	ok(fit[0] <= 768 - 80, 'zone A fits a 1366x768 laptop screen with' +
	    ' the browser\'s bars: ' + Math.round(fit[0]) + ' px');
	ok(fit[1].length === 0, 'no text cut off in a tile at 1366 px',
	    fit[1].slice(0, 5).join(' | '));
	await page.screenshot({ path: path.join(OUT, 'dashboard-1366.png') });
	await reconnect(page);
	const snap = await page.evaluate(() => window.__tw.snapshot());
	fs.writeFileSync(path.join(OUT, 'snapshot.json'),
	    JSON.stringify(snap, null, 1));
	ok(snap.counts.bad === 0, 'no message the page could not read');
}

main().then(() => {
	console.log('# browser: ' + (checks - fails) + ' of ' + checks +
	    ' checks passed');
	process.exit(fails ? 1 : 0);
}, (e) => {
	console.log('not ok - browser test crashed: ' + (e && e.stack || e));
	process.exit(1);
});
