"""Attack: an infinite loop at import, with the usual signals ignored."""
import signal

for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU):
    signal.signal(_sig, signal.SIG_IGN)
while True:
    pass
