#!/usr/bin/env python3
"""session.py - a scripted administration session on plinth's serial console.

Starts an emulator whose COM1 is a socket, connects to it and types into the
console domain's shell the way a person would (a key at a time, small
pauses), reading what comes back. Every check that fails is recorded; the
script prints exactly one verdict line, "PASS: NAME" or "FAIL: NAME: why;
why...", like the boot tests (tests/boot/lib.sh), and writes the whole
transcript to LOG.

usage: session.py NAME LOG CONNECT SPEED [ROUNDS] -- EMULATOR ARGS...
  CONNECT  unix:PATH (QEMU -chardev socket,server) or tcp:PORT (Bochs
           com1 mode=socket-server); retried until the emulator listens
  SPEED    a factor for every wait (1 for QEMU TCG, larger for Bochs)
  ROUNDS   create/start/pause/resume/destroy rounds (default 10)

The session (each step waits for the prompt before the next):
  boot to "plinth> "; help; vm list shows the autostarted VMs; the hcperm
  guest's privileged hypercalls all got -EPERM; mem; ROUNDS times vm
  create, start, pause, resume, destroy of a ticker guest, the free memory
  exactly back at the first mem's value after each; vm create + start a
  ticker guest; mem shows its memory in use; vm pause stops its ticks, vm
  resume restarts them; console NAME replays its output, a typed line
  reaches it (its UART interrupt), Ctrl-] detaches; stats shows its exits;
  vm destroy frees its memory; bad input gives one error: line each and
  hurts nothing; log; crash kills the console domain, plinth restarts it
  and vm list shows the other VMs unchanged; poweroff ends the emulator.
"""
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time

PROMPT = b"plinth> "
PR_SET_PDEATHSIG = 1        # prctl(2)


def die_with_parent():
    """In the emulator's process before exec: SIGKILL it when this script
    dies (the boot-test runner's timeout, Ctrl-C), so no emulator is left
    running with nobody reading its serial port."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


class Session:
    def __init__(self, name, log, connect, speed, cmd):
        self.name, self.speed = name, speed
        self.fails = []
        self.buf = b""          # everything received
        self.mark = 0           # where the current step's output starts
        self.log = open(log, "wb")
        self.emu_out = open(log.replace(".log", ".emu.log"), "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.emu_out,
                                     stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        self.sock = self._connect(connect)

    def _connect(self, connect):
        kind, _, where = connect.partition(":")
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the emulator exited with status %d before its serial "
                                   "port could be reached" % self.proc.returncode)
            try:
                if kind == "unix":
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.connect(where)
                else:
                    s = socket.create_connection(("127.0.0.1", int(where)), timeout=1)
                s.setblocking(False)
                return s
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("cannot connect to the serial port at %s" % connect)

    def fail(self, why):
        self.fails.append(why)

    def _pump(self, timeout):
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            return
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return
        if data:
            self.buf += data
            self.log.write(data)
            self.log.flush()

    def text(self, start=None):
        """What arrived since start (default: the current step), without
        CRs and escape sequences."""
        raw = self.buf[self.mark if start is None else start:]
        # The shell hides the line being edited with CR + erase-line before
        # a VM's line: that starts a new line as far as checks go.
        raw = raw.replace(b"\r\x1b[K", b"\n")
        raw = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", raw).replace(b"\r", b"")
        return raw.decode("latin-1")

    def wait_for(self, pattern, secs, start=None):
        """Wait until the output since start matches pattern (a regex on
        text()); return the match or None."""
        deadline = time.time() + secs * self.speed
        while True:
            m = re.search(pattern, self.text(start), re.M)
            if m:
                return m
            left = deadline - time.time()
            if left <= 0 or self.proc.poll() is not None:
                return None
            self._pump(min(left, 0.2))

    def idle(self, secs):
        deadline = time.time() + secs * self.speed
        while time.time() < deadline:
            self._pump(deadline - time.time())

    def type(self, keys, enter=True):
        """Type keys (bytes or str) a key at a time, then Enter."""
        if isinstance(keys, str):
            keys = keys.encode()
        if enter:
            keys += b"\r"
        for i in range(len(keys)):
            self.sock.sendall(keys[i:i + 1])
            self._pump(0.01 * self.speed)

    def settle(self, secs=2):
        """Wait until the shell sits at a complete prompt: the output
        received so far ends with it. A step's wait ends as soon as its
        pattern is seen, which may be in the middle of a VM's mirrored line
        and the prompt redrawn after it, the rest still on its way (more
        so on a loaded host, where the emulator's bytes arrive in bursts).
        Gives up quietly after secs (a chatty VM may never let it be
        quiet): command() copes with a prompt split around its mark too."""
        deadline = time.time() + secs * self.speed
        while not self.buf.endswith(PROMPT) and time.time() < deadline:
            if self.proc.poll() is not None:
                return
            self._pump(min(0.05, max(deadline - time.time(), 0)))

    def last_prompt(self):
        """Where the last prompt received so far starts in buf (or the
        current end when there is none): command() searches the echo of
        its line from there, so a prompt that was still arriving when the
        step began is seen whole."""
        i = self.buf.rfind(PROMPT)
        return len(self.buf) if i < 0 else i

    def command(self, line, expect=None, what=None, secs=20):
        """Type a command line and wait until the shell has echoed it, run
        it and printed the next prompt; check expect (a regex) in what came
        between. Returns that output."""
        self.settle()
        self.mark = self.last_prompt()
        self.type(line)
        prompt = re.escape(PROMPT.decode())
        # The echo starts after the prompt the step began at, or after a
        # prompt redrawn since.
        # The shell is back at its prompt when the prompt ends the output,
        # or when a VM's line arrived after it (the shell erases the prompt
        # line, prints the VM's line and redraws the prompt; text() turns
        # that erase into a newline). A chatty VM may never let the output
        # end exactly at the prompt.
        m = self.wait_for(r"(?:\A|(?<=" + prompt + r"))" + re.escape(editor_echo(line)) +
                          r"\n((?:.*\n)*?)" + prompt + r"(?:\Z|\n)", secs)
        if not m:
            self.fail("no prompt after '%s'" % printable(line))
            out = self.text()
        else:
            out = m.group(1)
        if expect and not re.search(expect, out, re.M):
            self.fail("'%s': no %s" % (printable(line), what or repr(expect)))
        return out

    def close(self):
        try:
            self.proc.wait(timeout=20 * self.speed)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._pump(0)
        self.log.close()

    def poweroff(self):
        """The session's last command: poweroff must end the machine."""
        self.mark = len(self.buf)
        self.type("poweroff")
        try:
            self.proc.wait(timeout=30 * self.speed)
        except subprocess.TimeoutExpired:
            self.fail("poweroff did not end the machine")


def run(name, log, connect, speed, cmd, body):
    """Start the emulator (cmd) as a Session, run body(session), then end
    the emulator and print the one verdict line (with the transcript's last
    30 lines on failure). Returns the exit status: 0 PASS, 1 FAIL."""
    # The runner's timeout sends SIGTERM: end like an error, so the
    # emulator is killed and the transcript closed (finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("%s: terminated" % name))
    try:
        s = Session(name, log, connect, speed, cmd)
    except (OSError, RuntimeError) as e:
        print("FAIL: %s: %s" % (name, e))
        return 1
    try:
        body(s)
    except (OSError, RuntimeError) as e:
        s.fail("session error: %s" % e)
    finally:
        if s.proc.poll() is None:
            s.proc.kill()
        s.close()
    if s.fails:
        print("FAIL: %s: %s" % (name, "; ".join(s.fails)))
        tail = s.text(0).splitlines()[-30:]
        print("    --- last 30 lines of %s ---" % log)
        for line in tail:
            print("    | " + line)
        return 1
    print("PASS: %s" % name)
    return 0


def editor_echo(line):
    """What the shell's line editor shows of line (console/lineedit.c):
    printable ASCII, at most 255 characters; other bytes are dropped, and
    an escape drops the byte after it too (unless a key sequence)."""
    if isinstance(line, str):
        line = line.encode("latin-1")
    out, skip = [], False
    for b in line:
        if skip:
            skip = False
        elif b == 0x1B:
            skip = True
        elif 0x20 <= b < 0x7F and len(out) < 255:
            out.append(chr(b))
    return "".join(out)


def printable(line):
    if isinstance(line, bytes):
        line = line.decode("latin-1")
    s = "".join(c if " " <= c < "\x7f" else "\\x%02x" % ord(c) for c in line)
    return s if len(s) <= 40 else s[:37] + "..."


def free_kib(out):
    m = re.search(r"free \d+ MiB \((\d+) KiB\)", out)
    return int(m.group(1)) if m else None


def cycles(s, n, start):
    """n rounds of vm create / start / pause / resume / destroy of a ticker
    guest, mem after each; the free memory must be back exactly at start
    (KiB, from mem before the first) after every round: destroying a VM
    returns every page it took, not just most of them."""
    frees = []
    for i in range(n):
        s.command("vm create cyc image=ticker.elf memory=16M", r"vm cyc: created with id \d+",
                  "'vm cyc: created with id N' (round %d)" % (i + 1))
        s.command("vm start cyc", r"vm cyc: started", "'vm cyc: started' (round %d)" % (i + 1))
        if not s.wait_for(r"^\[cyc\] ticker: up", 10, start=s.mark):
            s.fail("round %d: the created VM cyc printed nothing" % (i + 1))
        s.command("vm pause cyc", r"vm cyc: paused", "'vm cyc: paused' (round %d)" % (i + 1))
        s.command("vm resume cyc", r"vm cyc: resumed", "'vm cyc: resumed' (round %d)" % (i + 1))
        # A tick after the resume's reply (lines from before the pause were
        # mirrored while the command was typed).
        if not s.wait_for(r"^\[cyc\] tick [1-9]", 10, start=len(s.buf)):
            s.fail("round %d: cyc did not tick after vm resume" % (i + 1))
        s.command("vm destroy cyc", r"vm cyc: destroyed", "'vm cyc: destroyed' (round %d)" % (i + 1))
        frees.append(free_kib(s.command("mem", r"free \d+ MiB", "memory line")))
    sys.stderr.write("    %s: free KiB before %d create/start/pause/resume/destroy rounds: %s; "
                     "after each: %s\n" % (s.name, n, start, " ".join(str(f) for f in frees)))
    if start is None or any(f != start for f in frees):
        s.fail("free memory not back at its start value after vm destroy: %s KiB before, "
               "after each round: %s" % (start, " ".join(str(f) for f in frees)))


def session(s, rounds):
    if not s.wait_for(r"plinth> ", 120):
        s.fail("no 'plinth> ' prompt after boot")
        return
    s.idle(1)
    s.command("help", r"vm create NAME.*\n(.*\n)*.*poweroff", "command list ending in poweroff")
    # The autostarted VMs.
    s.command("vm list", r"^NAME +ID +STATE +VCPUS +MEMORY +WEIGHT +CAP +CPU-TIME", "header")
    out = s.command("vm list")
    for vm, state in (("console", "running"), ("ticker", "running")):
        if not re.search(r"^%s +\d+ %s" % (vm, state), out, re.M):
            s.fail("vm list: no '%s ... %s' line" % (vm, state))
    # hcperm ran as a normal VM: every privileged call refused.
    if not s.wait_for(r"\[hcperm\] SUMMARY: [1-9]\d* passed, 0 failed", 30, start=0):
        s.fail("no '[hcperm] SUMMARY: N passed, 0 failed' (privileged calls refused)")
    if re.search(r"\[hcperm\] FAIL", s.text(0)):
        s.fail("a privileged hypercall was not refused with -EPERM: " +
               re.search(r"\[hcperm\] FAIL.*", s.text(0)).group(0))

    before = free_kib(s.command("mem", r"free \d+ MiB", "memory line"))
    cycles(s, rounds, before)
    s.command("vm create t2 image=ticker.elf memory=16M", r"vm t2: created with id \d+",
              "'vm t2: created with id N'")
    s.command("vm start t2", r"vm t2: started", "'vm t2: started'")
    if not s.wait_for(r"^\[t2\] tick 2$", 20, start=s.mark):
        s.fail("the created VM t2 did not print '[t2] tick 2'")
    running = free_kib(s.command("mem"))
    if before is None or running is None or before - running < 16 * 1024:
        s.fail("mem: free memory did not drop by 16 MiB with t2 running (%s -> %s KiB)" %
               (before, running))

    # Pause stops the counter, resume restarts it.
    s.command("vm pause t2", r"vm t2: paused", "'vm t2: paused'")
    s.idle(0.5)
    paused_at = len(s.buf)
    s.idle(2.5)
    if re.search(r"\[t2\] tick", s.text(paused_at)):
        s.fail("t2 kept ticking after vm pause")
    s.command("vm list", r"^t2 +\d+ paused", "'t2 ... paused'")
    s.command("vm resume t2", r"vm t2: resumed", "'vm t2: resumed'")
    if not s.wait_for(r"\[t2\] tick", 10, start=s.mark):
        s.fail("t2 did not tick again after vm resume")

    # Its console: replay, typing, Ctrl-].
    s.mark = len(s.buf)
    s.type("console t2")
    if not s.wait_for(r"attached to t2", 10):
        s.fail("console t2: not attached")
    if not s.wait_for(r"ticker: up", 10):
        s.fail("console t2: its earlier output was not replayed")
    s.idle(0.5)
    s.type("hello plinth")
    if not s.wait_for(r"ticker: got 'hello plinth' \([1-9]\d* UART interrupts\)", 15):
        s.fail("typing did not reach t2 through its UART interrupt")
    s.mark = len(s.buf)
    s.type(b"\x1d", enter=False)
    if not s.wait_for(r"detached from t2\n" + re.escape(PROMPT.decode()), 10):
        s.fail("Ctrl-] did not detach back to the prompt")

    s.command("stats t2", r"vm t2: run time [\d.]+s, [1-9]\d* exits\n(.*\n)*\s+io +\d+",
              "exit counts by reason")
    s.command("vm destroy t2", r"vm t2: destroyed", "'vm t2: destroyed'")
    after = free_kib(s.command("mem"))
    if before is None or after is None or after != before:
        s.fail("mem: vm destroy did not give t2's memory back (%s KiB before, %s after)" %
               (before, after))
    s.command("vm list")
    if re.search(r"^t2 ", s.text(), re.M):
        s.fail("t2 still listed after vm destroy")

    # Bad input: one error line each, a fresh prompt, nothing changes.
    bad = [
        ("frobnicate", r"error: unknown command"),
        ("vm pause nosuch", r"error: no VM named 'nosuch'"),
        ("vm create", r"error: usage: vm create"),
        ("vcpu pin ticker x 1", r"error: vcpu pin"),
        ("sched ticker weight=0", r"error: sched"),
        ("x" * 300, r"error: line too long"),
        (b"\x01\x02\x80\xff\x1bZjunk\x07", r"error: control characters"),
        ("vm create bad image=nosuch.elf memory=lots", r"error: vm create: memory"),
    ]
    for line, expect in bad:
        out = s.command(line, expect, "error line")
        if out.count("error: ") != 1:
            s.fail("'%s' gave %d error lines" % (printable(line), out.count("error: ")))
    out = s.command("vm list")
    if not re.search(r"^ticker +\d+ running", out, re.M):
        s.fail("ticker not running after the bad input")

    s.command("log", r"console: console domain is vm \d+", "the hand-over in the log")

    # Kill the console domain: plinth restarts it; the others go on.
    ticker_line = re.search(r"^ticker +(\d+) running", out, re.M)
    s.mark = len(s.buf)
    s.type("crash")
    if not s.wait_for(r"console: the console domain stopped", 20):
        s.fail("plinth did not report the console domain's death")
    if not s.wait_for(r"plinth console domain \(hypercall ABI \d+\), restarted", 30):
        s.fail("no restarted console domain")
    if not s.wait_for(re.escape(PROMPT.decode()) + "$", 20):
        s.fail("no prompt from the restarted console domain")
    s.idle(0.5)
    out = s.command("vm list")
    if not re.search(r"^console +\d+ running", out, re.M):
        s.fail("vm list after the restart: no running console")
    if ticker_line and not re.search(r"^ticker +%s running" % ticker_line.group(1), out, re.M):
        s.fail("vm list after the restart: ticker changed")
    if len(re.findall(r"^console ", out, re.M)) != 1:
        s.fail("vm list after the restart: not exactly one console")

    s.poweroff()


def main():
    args = sys.argv[1:]
    rounds = 10
    if len(args) >= 6 and args[4] != "--":
        if not args[4].isdigit():
            sys.stderr.write(__doc__)
            return 2
        rounds = int(args.pop(4))
    if len(args) < 6 or args[4] != "--":
        sys.stderr.write(__doc__)
        return 2
    return run(args[0], args[1], args[2], float(args[3]), args[5:], lambda s: session(s, rounds))


if __name__ == "__main__":
    sys.exit(main())
