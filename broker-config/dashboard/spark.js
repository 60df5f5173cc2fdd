/*
 * spark.js - the geometry of a zone's inlet sparkline: SVG path data for
 * the hottest inlet over the last hour and the height of the inlet trip
 * point, so that the line reads as "how close to the trip". Pure: no DOM.
 */
(function (root, factory) {
	if (typeof module === 'object' && module.exports)
		module.exports = factory();
	else
		root.TwSpark = factory();
})(this, function () {
	'use strict';

	/*
	 * series: {t0, t1, points: [[ts, c]...], trip} (Room.zoneInlet).
	 * Returns {line, trip, lo, hi, first, last} with line and trip as
	 * SVG path data in a w x h box ("" when there is nothing to draw).
	 */
	function geometry(series, w, h) {
		var pts = series.points, pad = 2;
		var out = { line: '', trip: '', lo: null, hi: null,
			first: null, last: null };
		if (pts.length === 0 || series.t1 <= series.t0)
			return out;
		var lo = Infinity, hi = -Infinity;
		pts.forEach(function (p) {
			lo = Math.min(lo, p[1]);
			hi = Math.max(hi, p[1]);
		});
		if (series.trip !== null && series.trip !== undefined)
			hi = Math.max(hi, series.trip);
		lo -= 0.5;
		hi += 0.5;
		var x = function (t) {
			return pad + (t - series.t0) / (series.t1 - series.t0) *
			    (w - 2 * pad);
		};
		var y = function (c) {
			return h - pad - (c - lo) / (hi - lo) * (h - 2 * pad);
		};
		out.line = pts.map(function (p, i) {
			return (i === 0 ? 'M' : 'L') + x(p[0]).toFixed(1) + ' ' +
			    y(p[1]).toFixed(1);
		}).join(' ');
		if (pts.length === 1)	/* a dot, not nothing */
			out.line += ' h1';
		if (series.trip !== null && series.trip !== undefined)
			out.trip = 'M' + pad + ' ' + y(series.trip).toFixed(1) +
			    ' H' + (w - pad);
		out.lo = lo + 0.5;
		out.hi = hi - 0.5;
		out.first = pts[0][1];
		out.last = pts[pts.length - 1][1];
		return out;
	}

	return { geometry: geometry };
});
