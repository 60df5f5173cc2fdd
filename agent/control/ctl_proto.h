/*
 * ctl_proto.h - the control socket protocol, shared by thermwatchd (ctl.c)
 * and thermwatchctl (after chrony candm.h).
 *
 * A unix stream socket. Each request is one JSON object on one line,
 * answered by one JSON object on one line, in order:
 *
 *	-> {"v":1,"cmd":"status"}
 *	<- {"v":1,"ok":true,"cmd":"status","result":{...}}
 *	-> {"v":1,"cmd":"override-set","key":"quiet","value":1,
 *	    "ttl_s":600,"reason":"AC maintenance","by":"alice"}
 *	<- {"v":1,"ok":false,"error":"quiet: ttl 90000 s exceeds ..."}
 *
 * Every request carries "v" (CTL_PROTO_VERSION) and "cmd"; an optional
 * "id" (string or number) is echoed back. A request line longer than
 * CTL_MAX_REQUEST bytes is answered with an error and the connection is
 * closed. See thermwatchctl(8).
 */
#ifndef THERMWATCH_CTL_PROTO_H
#define THERMWATCH_CTL_PROTO_H

#define CTL_PROTO_VERSION  1
#define CTL_MAX_REQUEST    4096          /* bytes per request, with \n */
#define CTL_MAX_RESPONSE   (1024 * 1024) /* bytes per response */
#define CTL_DEFAULT_SOCKET "/run/thermwatch/control.sock"

#define CTL_CMD_STATUS         "status"
#define CTL_CMD_SENSORS        "sensors"
#define CTL_CMD_OVERRIDES      "overrides"
#define CTL_CMD_OVERRIDE_SET   "override-set"
#define CTL_CMD_OVERRIDE_CLEAR "override-clear"
#define CTL_CMD_HOLD_CLEAR     "hold-clear"
#define CTL_CMD_RESCAN         "rescan"

#endif
