#!/usr/bin/env python3
"""How soon a line appended to a followed file comes out as an event (scrm run --follow).

usage: bench/follow_latency.py SCRM N [nouring]

Generates N records (scrm gen --seed 5), starts `scrm run -f -q -j2 FILE` on an empty
file, then appends the records one at a time, 20 ms apart, each time timing from the
write until its event is read from scrm's stdout (checking that it is that record's
event); prints the median, 90th and 99th percentiles and the maximum. "nouring" runs
scrm with --no-uring.
"""
import json, os, shutil, subprocess, sys, tempfile, time, statistics
scrm, n = sys.argv[1], int(sys.argv[2])
extra = ['--no-uring'] if len(sys.argv) > 3 and sys.argv[3] == 'nouring' else []
d = tempfile.mkdtemp()
src = subprocess.run([scrm, 'gen', '--count', str(n), '--seed', '5'], capture_output=True, check=True).stdout.splitlines(True)
path = os.path.join(d, 'live.ndjson')
open(path, 'wb').close()
p = subprocess.Popen([scrm, 'run', '-f', '-q', '-j2'] + extra + [path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
lat = []
with open(path, 'ab', buffering=0) as f:
    for i, line in enumerate(src):
        time.sleep(0.02)
        t0 = time.perf_counter()
        f.write(line)
        out = p.stdout.readline()
        lat.append((time.perf_counter() - t0) * 1e3)
        assert json.loads(out)['seq'] == i
p.terminate(); p.wait()
shutil.rmtree(d)
lat.sort()
print("%d lines: median %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms" % (n, statistics.median(lat), lat[int(0.9 * n)], lat[int(0.99 * n)], lat[-1]))
