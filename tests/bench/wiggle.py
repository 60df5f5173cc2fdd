#!/usr/bin/env python3
"""wiggle.py - move every temperature of a fake hwmon tree, in place.

    wiggle.py CLASS_DIR PERIOD_S

Every PERIOD_S each tempN_input under CLASS_DIR/hwmon/*/ gets a new value:
a random walk in steps of 0.125 C between 38 and 60 C (the resolution of
k10temp, lm75 and many others), written as sysfs shows it (millidegrees,
one line) at offset 0 of the open file, one pwrite each: a reader that
keeps the file open sees it, as it would on sysfs. Runs until killed.
"""
import glob
import os
import random
import sys
import time


def main():
    root, period = sys.argv[1], float(sys.argv[2])
    paths = sorted(glob.glob(os.path.join(root, "hwmon", "hwmon*",
                                          "temp*_input")))
    fds = [os.open(p, os.O_WRONLY) for p in paths]
    rng = random.Random(1)
    vals = [rng.randrange(38000, 60000, 125) for _ in fds]
    nxt = time.monotonic()
    while True:
        for i, fd in enumerate(fds):
            v = vals[i] + rng.choice((-125, 0, 0, 125))
            vals[i] = min(max(v, 38000), 59875)
            os.pwrite(fd, b"%05d\n" % vals[i], 0)
        nxt += period
        time.sleep(max(0.0, nxt - time.monotonic()))


if __name__ == "__main__":
    main()
