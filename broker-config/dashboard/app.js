/*
 * app.js - the dashboard's wiring: settings from the URL, the login form,
 * the read-only MQTT subscription over websockets (the npm "mqtt"
 * package's browser bundle, mqtt.min.js), and window.__tw, the hook the
 * tests read. It never publishes: the broker's ACL gives the dashboard
 * user read access only, and the page asks for no more.
 *
 * URL parameters (all optional):
 *   broker=ws://host:port/   the websockets listener (default: this page's)
 *   user=NAME                login name (default: dashboard)
 *   prefix=thermwatch/v1     topic prefix of the agents
 *   site=S, zone=Z           show one site / one zone only
 *   silent=SECONDS           mark a host silent after this long (60)
 *   sort=name|eta|tier       order of the hosts in a zone
 */
(function () {
	'use strict';

	var AUTH_CODES = [4, 5, 134, 135];	/* MQTT 3.1.1 and 5 refusals */
	var params = new URLSearchParams(location.search);

	function defaultBroker() {
		if (location.protocol !== 'http:' && location.protocol !== 'https:')
			return '';
		return (location.protocol === 'https:' ? 'wss://' : 'ws://') +
		    location.host + '/mqtt';
	}

	function store(key, value) {
		try {
			if (value === null)
				localStorage.removeItem(key);
			else
				localStorage.setItem(key, value);
		} catch (e) { /* private mode: nothing remembered */ }
	}

	function stored(key) {
		try {
			return localStorage.getItem(key);
		} catch (e) {
			return null;
		}
	}

	var cfg = {
		broker: params.get('broker') || defaultBroker(),
		user: params.get('user') || stored('tw.user') || 'dashboard',
		prefix: (params.get('prefix') || 'thermwatch/v1')
		    .replace(/\/+$/, ''),
		site: params.get('site'),
		zone: params.get('zone'),
		silentS: Number(params.get('silent')) || 60,
		sort: params.get('sort') || 'name'
	};

	function topicFilter() {
		var f = [cfg.prefix];
		if (cfg.site) {
			f.push(cfg.site);
			if (cfg.zone)
				f.push(cfg.zone);
		} else if (cfg.zone) {
			f.push('+', cfg.zone);
		}
		f.push('#');
		return f.join('/');
	}

	var room = new TwModel.Room({ prefix: cfg.prefix });
	var view = new TwView.View(room, cfg);
	var client = null;
	var decoder = new TextDecoder('utf-8');
	var lastData = null;

	var hook = window.__tw = {
		room: room,
		view: view,
		cfg: cfg,
		connected: false,
		subscribed: false,
		error: '',
		snapshot: function () { return room.snapshot(); },
		renders: function () { return view.renders; }
	};

	var form = document.getElementById('login');
	var userIn = document.getElementById('user');
	var passIn = document.getElementById('password');
	var brokerIn = document.getElementById('broker');
	var rememberIn = document.getElementById('remember');
	var msgEl = document.getElementById('login-msg');
	var sortIn = document.getElementById('sort');

	function showLogin(message) {
		form.hidden = false;
		msgEl.textContent = message || '';
		passIn.focus();
	}

	function connect(user, password) {
		if (client)
			client.end(true);
		form.hidden = true;
		hook.error = '';
		view.setConnection('connecting', 'connecting to ' + cfg.broker +
		    ' as ' + user + '\u2026');
		client = mqtt.connect(cfg.broker, {
			username: user,
			password: password,
			protocolVersion: 5,
			clean: true,
			clientId: 'thermwatch-dashboard-' +
			    Math.random().toString(16).slice(2, 10),
			reconnectPeriod: 3000,
			connectTimeout: 10000,
			resubscribe: true
		});
		client.on('connect', function () {
			hook.connected = true;
			view.setConnection('up', 'live: ' + cfg.broker + ' as ' +
			    user);
			client.subscribe(topicFilter(), { qos: 1 },
			    function (err) {
				if (err) {
					hook.error = String(err.message || err);
					view.setConnection('error',
					    'subscribe failed: ' + hook.error);
				} else {
					hook.subscribed = true;
				}
			});
		});
		client.on('message', function (topic, payload) {
			lastData = Date.now();
			if (room.handle(topic, decoder.decode(payload), lastData))
				view.schedule();
		});
		client.on('error', function (err) {
			hook.error = String(err && err.message || err);
			if (err && AUTH_CODES.indexOf(err.code) >= 0) {
				client.end(true);
				store('tw.pass', null);
				view.setConnection('error', 'login refused');
				showLogin('Login refused: ' + hook.error);
			}
		});
		client.on('close', function () {
			if (!hook.connected)
				return;
			hook.connected = false;
			view.setConnection('down', 'DISCONNECTED \u2014 showing data' +
			    ' as of ' + TwView.fmtTime(lastData) +
			    ', reconnecting\u2026');
		});
	}

	form.addEventListener('submit', function (ev) {
		ev.preventDefault();
		cfg.broker = brokerIn.value.trim() || cfg.broker;
		store('tw.user', userIn.value);
		store('tw.pass', rememberIn.checked ? passIn.value : null);
		connect(userIn.value, passIn.value);
	});

	sortIn.value = cfg.sort;
	sortIn.addEventListener('change', function () {
		view.sort = sortIn.value;
		view.render(true);
	});

	userIn.value = cfg.user;
	brokerIn.value = cfg.broker;
	setInterval(function () { view.render(); }, 1000);
	view.render(true);
	if (typeof mqtt === 'undefined') {
		view.setConnection('error', 'mqtt.min.js missing: build the' +
		    ' dashboard (see broker-config/README.md)');
		return;
	}
	var remembered = stored('tw.pass');
	if (remembered !== null && cfg.broker) {
		rememberIn.checked = true;
		connect(cfg.user, remembered);
	} else {
		view.setConnection('login', 'not connected');
		showLogin('');
	}
})();
