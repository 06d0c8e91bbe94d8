# Runs a command on a pseudo-terminal, as an admin at a terminal would, and types the answers to its
# prompts. argv[1] is JSON: {"argv": [...], "steps": [[text to wait for, keys to type], ...]}.
# Prints JSON: {"answered": bool, "code": exit code, "transcript": everything the terminal showed}.
import json, os, pty, select, sys, time

spec = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execv(spec["argv"][0], spec["argv"])

transcript = b""

def read(timeout):
    """Adds what the terminal shows within `timeout` to the transcript; False once the child closed it."""
    global transcript
    ready, _, _ = select.select([fd], [], [], max(timeout, 0))
    if not ready:
        return True
    try:
        chunk = os.read(fd, 4096)
    except OSError:  # Linux reports a closed terminal as EIO
        return False
    transcript += chunk
    return bool(chunk)

answered = True
for expected, keys in spec["steps"]:
    deadline = time.time() + 30
    while expected.encode() not in transcript:
        if time.time() > deadline or not read(deadline - time.time()):
            answered = False
            break
    if not answered:
        break
    os.write(fd, keys.encode())

deadline = time.time() + 60
while time.time() < deadline and read(deadline - time.time()):
    pass
if time.time() >= deadline:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
print(json.dumps({"answered": answered, "code": os.waitstatus_to_exitcode(status), "transcript": transcript.decode("utf-8", "replace")}))
