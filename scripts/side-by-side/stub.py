#!/usr/bin/env python3
# A stand-in for every command a side-by-side config runs (scripts/side-by-side.mjs): it records
# its name, argv, environment and start time as one JSON line in $SBS_RECORD, then behaves as
# $SBS_BEHAVIOUR (a JSON file: command name -> behaviour) says for its name:
#   "run"        until SIGTERM/SIGINT (recorded), then exit 143
#   "exit:N"     exit with code N at once (the default is exit:0)
#   "exit:N:MS"  exit with code N after MS milliseconds
#   "slowstop:MS" run; on SIGTERM record it and exit 0 MS milliseconds later
# One write() per line on an O_APPEND file keeps concurrent records whole.
import json, os, signal, sys, time

started = time.time_ns()
name = os.path.basename(sys.argv[0])
record_path = os.environ.get("SBS_RECORD")


def record(event, **fields):
    if not record_path:
        return
    line = json.dumps({"event": event, "name": name, "pid": os.getpid(), "ns": time.time_ns(), **fields}) + "\n"
    fd = os.open(record_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


behaviours = {}
try:
    with open(os.environ.get("SBS_BEHAVIOUR", "/nonexistent")) as f:
        behaviours = json.load(f)
except OSError:
    pass
behaviour = behaviours.get(name, "exit:0").split(":")

env = {k: v for k, v in os.environ.items() if k not in ("SBS_RECORD", "SBS_BEHAVIOUR")}
record("start", argv=sys.argv[1:], env=env, ns=started)

if behaviour[0] == "exit":
    if len(behaviour) > 2:
        time.sleep(int(behaviour[2]) / 1000)
    sys.exit(int(behaviour[1]))

stop_delay_ms = int(behaviour[1]) if behaviour[0] == "slowstop" else 0


def on_signal(signum, _frame):
    record("signal", signal=signal.Signals(signum).name)
    if signum == signal.SIGTERM and stop_delay_ms:
        time.sleep(stop_delay_ms / 1000)
        record("exit", code=0)
        sys.exit(0)
    sys.exit(128 + signum)


signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGINT, on_signal)
while True:
    time.sleep(3600)
