#!/usr/bin/env python3
"""linux_session.py - an administrator's session with the Linux VM of the
default image, on plinth's serial console (the console domain's shell).

Uses tests/console/session.py's Session and run (emulator, socket, typing, prompt
matching). Prints one verdict line "PASS: NAME" or "FAIL: NAME: why; ..."
and writes the transcript to LOG.

usage: linux_session.py NAME LOG CONNECT SPEED -- EMULATOR ARGS...
  (as session.py: CONNECT unix:PATH or tcp:PORT, SPEED a wait factor)

The VM "linux" (tests/linux/vms-default.cfg: a Debian cloud kernel, the
busybox initramfs with plinth.init=shell) starts at boot. The session:
  boot to "plinth> "; the VM's /init marker (mirrored "[linux] ...");
  vm list shows linux running; console linux, Enter gives the guest's
  shell prompt; `uname -a` answers a Linux version line, `grep -c
  processor /proc/cpuinfo` answers 1; Ctrl-] detaches to "plinth> ";
  vm list shows linux still running;
  reboot: attached again, `reboot -f` (Linux's default: the FADT's reset
  register, port 0xCF9) brings the marker back, and after
  `echo kbd > /sys/kernel/reboot/type` a second `reboot -f` (the 8042's
  pulse-reset command) brings it back once more; plinth's log names both
  resets and vm list shows linux running with the same id;
  power-off: `poweroff -f` (ACPI S5) leaves linux `stopped`, and mem shows
  its 256 MiB back in the free memory; poweroff ends the machine.
"""
import os
import re
import sys

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from session import PROMPT, free_kib, run  # noqa: E402  (session.py's helpers)

MARKER = r"PLINTH-LINUX-INIT: ok"
GUEST_PROMPT = r"linux:[^\n]*# "
VM_MIB = 256


def guest(s, line, expect, what, secs=30):
    """Type line at the attached guest shell; wait for expect (a regex)
    in what follows the echo, then for the guest's next prompt. Returns
    the output, or None (failure recorded)."""
    s.mark = len(s.buf)
    s.type(line)
    m = s.wait_for(re.escape(line) + r"\n((?:.*\n)*?)" + GUEST_PROMPT, secs)
    if not m:
        s.fail("guest: no prompt after '%s'" % line)
        return None
    if expect and not re.search(expect, m.group(1), re.M):
        s.fail("guest: '%s': no %s (got %r)" % (line, what, m.group(1)[-200:]))
    return m.group(1)


def attach(s, secs=20):
    """console linux, then Enter until the guest's shell prompt shows."""
    s.mark = len(s.buf)
    s.type("console linux")
    if not s.wait_for(r"console: attached to linux", 10):
        s.fail("console linux: not attached")
        return False
    for _ in range(3):
        start = len(s.buf)
        s.type("")
        if s.wait_for(GUEST_PROMPT + r"$", secs / 3, start=start):
            return True
    s.fail("console linux: no guest shell prompt after Enter")
    return False


def detach(s):
    s.mark = len(s.buf)
    s.type(b"\x1d", enter=False)
    if not s.wait_for(r"detached from linux\n" + re.escape(PROMPT.decode()), 10):
        s.fail("Ctrl-] did not detach from linux back to the prompt")
        return False
    s.idle(0.3)
    return True


def vm_line(s):
    out = s.command("vm list")
    return re.search(r"^linux +(\d+) +(\w+) +1 ", out, re.M)


def reboot(s, how, prepare):
    """Reboot the attached guest with reboot -f after the prepare line
    (or none); the marker must come back and the shell prompt with it."""
    if prepare:
        guest(s, prepare, None, None)
    s.mark = len(s.buf)
    s.type("reboot -f")
    if not s.wait_for(MARKER, 90):
        s.fail("reboot -f (%s): the guest did not come back to its marker" % how)
        return False
    if not s.wait_for(r"PLINTH-LINUX-INIT: shell", 30):
        s.fail("reboot -f (%s): no shell after the marker" % how)
    s.idle(1)
    start = len(s.buf)
    s.type("")
    if not s.wait_for(GUEST_PROMPT + r"$", 15, start=start):
        s.fail("reboot -f (%s): no guest shell prompt after the reset" % how)
        return False
    return True


def session(s):
    if not s.wait_for(r"plinth> ", 120):
        s.fail("no 'plinth> ' prompt after boot")
        return
    # The console domain mirrors the VM's lines until someone attaches.
    if not s.wait_for(r"^\[linux\] " + MARKER, 120, start=0):
        s.fail("no '[linux] %s' (the Linux VM did not reach /init)" % MARKER)
        return
    s.idle(1)
    first = vm_line(s)
    if not first or first.group(2) != "running":
        s.fail("vm list: no 'linux ... running 1' line")
        return
    vm_id = first.group(1)

    # Its shell: uname, the CPU count.
    if attach(s):
        guest(s, "uname -a", r"^Linux \S+ \d+\.\d+\.\d+\S* .*x86_64", "'Linux HOST VERSION ... x86_64'")
        guest(s, "grep -c processor /proc/cpuinfo", r"^1$", "'1' (one vCPU)")
        detach(s)
    line = vm_line(s)
    if not line or line.group(2) != "running":
        s.fail("vm list after detaching: linux not running")

    # Guest reboot: the FADT reset register (0xCF9), then the 8042.
    if attach(s):
        ok = reboot(s, "ACPI reset register", None)
        if ok:
            guest(s, "grep -c processor /proc/cpuinfo", r"^1$", "'1' after the reset")
            reboot(s, "8042", "echo kbd > /sys/kernel/reboot/type")
        detach(s)
    line = vm_line(s)
    if not line or line.group(2) != "running" or line.group(1) != vm_id:
        s.fail("vm list after the reboots: no 'linux %s running' line" % vm_id)
    log = s.command("log")
    if len(re.findall(r"vm linux: stopped: reset by the guest \(port 0xCF9\)", log)) < 1:
        s.fail("log: no 'vm linux: stopped: reset by the guest (port 0xCF9)'")
    if len(re.findall(r"vm linux: stopped: reset by the guest \(8042 reset line\)", log)) < 1:
        s.fail("log: no 'vm linux: stopped: reset by the guest (8042 reset line)'")
    if len(re.findall(r"vm linux: reset$", log, re.M)) < 2:
        s.fail("log: fewer than two 'vm linux: reset' lines")

    # Power-off: the VM stops and its memory comes back.
    running = free_kib(s.command("mem", r"free \d+ MiB", "memory line"))
    if attach(s):
        s.mark = len(s.buf)
        s.type("poweroff -f")
        s.idle(3)
        detach(s)
    stopped = None
    for _ in range(10):
        line = vm_line(s)
        if line and line.group(2) == "stopped":
            stopped = line
            break
        s.idle(1)
    if not stopped:
        s.fail("vm list after poweroff -f: linux not stopped")
    after = free_kib(s.command("mem"))
    if running is None or after is None or after - running < (VM_MIB - 8) * 1024:
        s.fail("mem: linux's %d MiB did not come back after its power-off (%s -> %s KiB free)"
               % (VM_MIB, running, after))

    s.poweroff()


def main():
    if len(sys.argv) < 7 or sys.argv[5] != "--":
        sys.stderr.write(__doc__)
        return 2
    return run(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[6:], session)


if __name__ == "__main__":
    sys.exit(main())
