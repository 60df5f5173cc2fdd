/*
 * seed_key.h - the fuzzers' test key (never a real one): its seed and the
 * topic the signed seeds of fuzz_override are signed for (gen_seeds.c).
 */
#ifndef THERMWATCH_FUZZ_SEED_KEY_H
#define THERMWATCH_FUZZ_SEED_KEY_H

#define SEED_TOPIC "thermwatch/v1/dc1/r101/hv01/override/set"
#define SEED_KEY   ((const unsigned char *)"thermwatch-fuzz-test-key-0123456")

#endif
