#!/usr/bin/python3
"""Drives the SQL shell in a pseudo-terminal, as a person would, and checks what it prints.

Usage: [PTY_TEST_PASSWORD=PW] shell_pty_test.py SHELL_COMMAND [ARGS...]
  e.g. shell_pty_test.py build/cmd/meridian sql --port=26257
       PTY_TEST_PASSWORD=pw shell_pty_test.py build/cmd/meridian sql postgres://alice@127.0.0.1:5432/db

The shell must connect to a server that behaves like PostgreSQL 15 (Meridian, or a real
PostgreSQL). With PTY_TEST_PASSWORD set, the server must ask for that password and the shell
must prompt for it (without echoing it). The test creates and drops a table named
pty_test_<pid>. It checks: the banner and prompts (including continuation and
transaction-state prompts), CREATE TABLE / INSERT command tags, a multi-line INSERT with a
';' inside a string, aligned output with a NULL and right-aligned numbers, \\dt and \\d NAME
(numeric(12,2), PRIMARY KEY), \\x expanded output, an error with its SQLSTATE, a failed
transaction's prompt, Ctrl-C cancelling a statement, Ctrl-C at a continuation prompt
discarding the query buffer, \\timing (with the round trips a transaction made), \\q, the
exit status and the history file.
Uses only the standard library (pty, os, select); exits non-zero on the first mismatch.
"""

import os
import pty
import re
import select
import shutil
import signal
import sys
import tempfile
import time

TIMEOUT = 15.0
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]")


class Pty:
    def __init__(self, argv, env):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.execvpe(argv[0], argv, env)
            finally:
                os._exit(127)
        self.buffer = b""  # output not yet consumed by expect()
        self.transcript = b""

    def _read(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select([self.fd], [], [], left)
        if not ready:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        if not data:
            return False
        data = ANSI.sub(b"", data).replace(b"\r", b"")
        self.buffer += data
        self.transcript += data
        return True

    def expect(self, pattern, what):
        """Consumes output up to the first match of the regex `pattern`; returns the text
        before the match."""
        regex = re.compile(pattern.encode(), re.MULTILINE)
        deadline = time.monotonic() + TIMEOUT
        while True:
            m = regex.search(self.buffer)
            if m:
                before = self.buffer[: m.start()].decode(errors="replace")
                self.buffer = self.buffer[m.end():]
                return before
            if not self._read(deadline):
                fail(f"{what}: did not see /{pattern}/", self)

    def send(self, line):
        os.write(self.fd, line.encode() + b"\r")

    def wait(self):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            self._read(time.monotonic() + 0.1)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, signal.SIGKILL)
        fail("the shell did not exit", self)


def fail(message, term):
    sys.stderr.write(f"FAIL: {message}\n--- transcript ---\n")
    sys.stderr.write(term.transcript.decode(errors="replace"))
    sys.stderr.write("\n--- unconsumed ---\n" + term.buffer.decode(errors="replace") + "\n")
    try:
        os.kill(term.pid, signal.SIGKILL)
    except OSError:
        pass
    sys.exit(1)


def main():
    if len(sys.argv) < 2:
        sys.stderr.write(__doc__)
        sys.exit(2)
    home = tempfile.mkdtemp(prefix="shell_pty_home_")
    password = os.environ.get("PTY_TEST_PASSWORD", "")
    env = dict(os.environ, HOME=home, TERM="dumb", COLUMNS="200", LINES="50")
    for name in ("PTY_TEST_PASSWORD", "PGPASSWORD", "PGPASSFILE"):
        env.pop(name, None)
    table = f"pty_test_{os.getpid()}"
    t = Pty(sys.argv[1:], env)

    prompt = r"meridian=> "
    if password:
        t.expect(r"^Password for user \w+: ", "password prompt")
        t.send(password)
    t.expect(r'Type "\\\?" for help\.', "banner")
    if password and password in t.transcript.decode(errors="replace"):
        fail("the password was echoed", t)
    t.expect(prompt, "first prompt")

    t.send(f"DROP TABLE IF EXISTS {table};")
    t.expect(rf"^NOTICE:  .*{table}.*does not exist", "notice for DROP TABLE IF EXISTS")
    t.expect(r"^DROP TABLE$", "DROP TABLE tag")
    t.expect(prompt, "prompt after DROP")

    t.send(f"CREATE TABLE {table} (id int PRIMARY KEY, name text, score float8, "
           "balance numeric(12,2) DEFAULT 0);")
    t.expect(r"^CREATE TABLE$", "CREATE TABLE tag")
    t.expect(prompt, "prompt after CREATE")

    # A statement over three lines, with a ';' inside a string: continuation prompts.
    t.send(f"INSERT INTO {table} VALUES")
    t.expect(r"meridian-> ", "continuation prompt")
    t.send("(1, 'semi;colon', 2.5),")
    t.expect(r"meridian-> ", "second continuation prompt")
    t.send("(22, NULL, 10);")
    t.expect(r"^INSERT 0 2$", "INSERT tag")
    t.expect(prompt, "prompt after INSERT")

    t.send(f"SELECT id, name, score FROM {table} ORDER BY id;")
    out = t.expect(r"^\(2 rows\)$", "row count footer")
    for line in [
        r"^ id \|    name    \| score $",
        r"^----\+------------\+-------$",
        r"^  1 \| semi;colon \|   2\.5$",
        r"^ 22 \|            \|    10$",
    ]:
        if not re.search(line, out, re.MULTILINE):
            fail(f"aligned output: no line /{line}/ in:\n{out}", t)
    t.expect(prompt, "prompt after SELECT")

    t.send("\\dt")
    out = t.expect(r"^\(\d+ rows?\)$", "\\dt footer")
    if "List of relations" not in out or not re.search(rf"^ \w+ +\| {table} +\| table", out, re.M):
        fail(f"\\dt does not list {table}:\n{out}", t)
    t.expect(prompt, "prompt after \\dt")

    t.send(f"\\d {table}")
    out = t.expect(prompt, "\\d NAME")
    for line in [
        rf'^ *Table "public\.{table}"$',
        r"^ Column  \|       Type       \| Collation \| Nullable \| Default $",
        r"^ id      \| integer          \|           \| not null \| $",
        r"^ score   \| double precision \|           \|          \| $",
        r"^ balance \| numeric\(12,2\)    \|           \|          \| 0$",
        r"^Indexes:$",
        rf'^    "{table}_pkey" PRIMARY KEY, btree \(id\)$',
    ]:
        if not re.search(line, out, re.MULTILINE):
            fail(f"\\d {table}: no line /{line}/ in:\n{out}", t)

    t.send("\\x")
    t.expect(r"^Expanded display is on\.$", "\\x on")
    t.expect(prompt, "prompt after \\x")
    t.send(f"SELECT id, name FROM {table} WHERE id = 1;")
    out = t.expect(prompt, "expanded SELECT")
    if not re.search(r"^-\[ RECORD 1 \]-*\+?-*$\n^id   \| 1$\n^name \| semi;colon$", out, re.M):
        fail(f"expanded output wrong:\n{out}", t)
    t.send("\\x")
    t.expect(r"^Expanded display is off\.$", "\\x off")
    t.expect(prompt, "prompt after second \\x")

    t.send("SELECT * FROM no_such_table_here;")
    t.expect(r'^ERROR:  42P01: relation "no_such_table_here" does not exist$', "error with SQLSTATE")
    t.expect(r"^LINE 1: SELECT \* FROM no_such_table_here$", "error LINE")
    t.expect(r"^                      \^$", "error caret")
    t.expect(prompt, "prompt after error")

    # Transaction state in the prompt.
    t.send("BEGIN;")
    t.expect(r"^BEGIN$", "BEGIN tag")
    t.expect(r"meridian=\*> ", "in-transaction prompt")
    t.send("SELECT 1/0;")
    t.expect(r"^ERROR:  22012: division by zero$", "division by zero")
    t.expect(r"meridian=!> ", "failed-transaction prompt")
    t.send("ROLLBACK;")
    t.expect(r"^ROLLBACK$", "ROLLBACK tag")
    t.expect(prompt, "idle prompt after ROLLBACK")

    # Ctrl-C while a statement runs cancels it (the server reports 57014); at the prompt
    # it is ignored.
    t.send("SELECT pg_sleep(30);")
    time.sleep(0.5)
    os.write(t.fd, b"\x03")
    t.expect(r"ERROR:  57014: canceling statement due to user request$", "Ctrl-C cancels")
    t.expect(prompt, "prompt after cancel")
    os.write(t.fd, b"\x03")
    t.send("SELECT 5 AS five;")
    t.expect(r"^    5$", "shell alive after Ctrl-C at the prompt")
    t.expect(prompt, "prompt after SELECT 5")

    # Ctrl-C at a continuation prompt discards the whole query buffer, as in psql: the lines
    # typed so far do not prefix the next statement.
    t.send("SELECT 'leftover' AS x")
    t.expect(r"meridian-> ", "continuation prompt before Ctrl-C")
    t.send("FROM")
    t.expect(r"meridian-> ", "second continuation prompt before Ctrl-C")
    os.write(t.fd, b"\x03")
    t.expect(prompt, "fresh prompt after Ctrl-C at a continuation prompt")
    t.send("SELECT 6 AS six;")
    out = t.expect(prompt, "statement after Ctrl-C at a continuation prompt")
    if not re.search(r"^ six $", out, re.M) or "ERROR" in out or "leftover" in out:
        fail(f"the query buffer survived Ctrl-C:\n{out}", t)
    # ... also inside an unterminated string.
    t.send("SELECT 'abc")
    t.expect(r"meridian'> ", "string continuation prompt")
    os.write(t.fd, b"\x03")
    t.expect(prompt, "fresh prompt after Ctrl-C inside a string")
    t.send("SELECT 7 AS seven;")
    out = t.expect(prompt, "statement after Ctrl-C inside a string")
    if not re.search(r"^ seven $", out, re.M) or "ERROR" in out:
        fail(f"the string survived Ctrl-C:\n{out}", t)

    t.send("\\timing")
    t.expect(r"^Timing is on\.$", "\\timing")
    # With \timing, a finished transaction's account from the server follows the time: a
    # single-row UPDATE is one request (the range reads, updates and commits the row).
    t.send(f"UPDATE {table} SET score = 1 WHERE id = 1;")
    t.expect(r"^UPDATE 1$", "UPDATE under timing")
    t.expect(r"^Time: \d+\.\d{3} ms \(round trips: 1, Paxos rounds: 1, commit: one phase\)$",
             "timing line with the transaction's round trips")
    t.expect(prompt, "prompt after UPDATE")
    t.send(f"DROP TABLE {table};")
    t.expect(r"^DROP TABLE$", "final DROP")
    t.expect(r"^Time: \d+\.\d{3} ms$", "timing line")
    t.expect(prompt, "prompt after final DROP")

    t.send("\\q")
    code = t.wait()
    if code != 0:
        fail(f"exit status {code}, want 0 for an interactive session", t)
    # libedit writes its history with spaces as "\\040".
    history = os.path.join(home, ".meridian_sql_history")
    text = open(history, errors="replace").read() if os.path.exists(history) else ""
    text = text.replace("\\040", " ")
    if f"CREATE TABLE {table}" not in text or f"INSERT INTO {table} VALUES (1," not in text:
        fail(f"history file missing or incomplete:\n{text}", t)
    if password:
        # Ctrl-C at the password prompt abandons it: the shell restores the terminal and
        # exits with a connection failure (2). It must not die of the signal, which would
        # leave the terminal without echo.
        p = Pty(sys.argv[1:], env)
        p.expect(r"^Password for user \w+: ", "password prompt before Ctrl-C")
        os.write(p.fd, b"\x03")
        code = p.wait()
        if code != 2:
            fail(f"exit status {code} after Ctrl-C at the password prompt, want 2", p)
    shutil.rmtree(home, ignore_errors=True)
    print("PASS: shell pty test")


if __name__ == "__main__":
    main()
