/*
 * mqtt_agent.h - the glue between struct agent and the mq_ module, so
 * that agent.c only needs one call per HOOK(mqtt-*).
 */
#ifndef THERMWATCH_MQTT_AGENT_H
#define THERMWATCH_MQTT_AGENT_H

#include <stdint.h>

#include <cjson/cJSON.h>

struct agent;

/* Start MQTT when mqtt.enabled (a->mq stays NULL otherwise or on error:
 * the agent protects the host without a broker). */
void mq_agent_start(struct agent *a);
void mq_agent_stop(struct agent *a);
/* After eng_evaluate(): state, telemetry, peer, overrides. */
void mq_agent_tick(struct agent *a, int64_t now_ms);
/* Queue an event; fields is not consumed (the agent frees it). */
void mq_agent_event(struct agent *a, const char *type, const cJSON *fields);
/* After a reload swapped a->conf: restart MQTT if its settings changed. */
void mq_agent_reload(struct agent *a);

#endif
