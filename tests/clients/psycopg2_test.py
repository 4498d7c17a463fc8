#!/usr/bin/python3
"""psycopg2 against a real Meridian cluster: concurrent transfers between accounts, from
several threads connected to different nodes, with retries on serialization failures
(40001). Afterwards every account row is there and the total is unchanged. Also checks
parameters of each common type, NULLs, and that errors carry SQLSTATEs.

usage: psycopg2_test.py PORT [PORT...]
"""
import decimal
import random
import sys
import threading

import psycopg2
import psycopg2.errors

PORTS = [int(p) for p in sys.argv[1:]]
ACCOUNTS = 20
INITIAL = 1000
THREADS = 6
TRANSFERS = 25


def connect(port):
    return psycopg2.connect(host="127.0.0.1", port=port, user="root", dbname="meridian")


setup = connect(PORTS[0])
setup.autocommit = True
cur = setup.cursor()
cur.execute("CREATE TABLE bank (id INT PRIMARY KEY, balance BIGINT NOT NULL)")
cur.execute("INSERT INTO bank SELECT * FROM (VALUES " +
            ",".join("(%d, %d)" % (i, INITIAL) for i in range(ACCOUNTS)) + ") AS v")

# Types through parameters.
cur.execute("CREATE TABLE typed (k INT PRIMARY KEY, t TEXT, n NUMERIC(10,3), f DOUBLE PRECISION, "
            "b BOOLEAN, d DATE, ts TIMESTAMP, by BYTEA)")
import datetime
row = (1, "héllo", decimal.Decimal("12.345"), 0.5, True, datetime.date(2024, 2, 29),
       datetime.datetime(2024, 2, 29, 12, 30, 1, 250000), psycopg2.Binary(b"\x00\xff"))
cur.execute("INSERT INTO typed VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", row)
cur.execute("INSERT INTO typed (k) VALUES (%s)", (2,))
cur.execute("SELECT k, t, n, f, b, d, ts, by FROM typed ORDER BY k")
got = cur.fetchall()
assert got[0][:7] == row[:7], got[0]
assert bytes(got[0][7]) == b"\x00\xff", got[0][7]
assert got[1] == (2, None, None, None, None, None, None, None), got[1]

try:
    cur.execute("INSERT INTO bank VALUES (0, 1)")
    raise AssertionError("duplicate key accepted")
except psycopg2.errors.UniqueViolation as e:
    assert e.pgcode == "23505", e.pgcode
try:
    cur.execute("SELECT 1/0")
    raise AssertionError("division by zero accepted")
except psycopg2.Error as e:
    assert e.pgcode == "22012", e.pgcode

errors = []
retries = [0]
lock = threading.Lock()


def worker(n):
    rng = random.Random(n)
    conn = connect(PORTS[n % len(PORTS)])
    done = 0
    try:
        while done < TRANSFERS:
            a, b = rng.sample(range(ACCOUNTS), 2)
            amount = rng.randint(1, 50)
            try:
                with conn.cursor() as c:
                    c.execute("SELECT balance FROM bank WHERE id = %s", (a,))
                    (bal,) = c.fetchone()
                    c.execute("UPDATE bank SET balance = balance - %s WHERE id = %s", (amount, a))
                    c.execute("UPDATE bank SET balance = balance + %s WHERE id = %s", (amount, b))
                conn.commit()
                done += 1
            except psycopg2.errors.SerializationFailure:
                conn.rollback()
                with lock:
                    retries[0] += 1
    except Exception as e:  # noqa: BLE001 - reported below
        errors.append(repr(e))
    finally:
        conn.close()


threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert not errors, errors

cur.execute("SELECT count(*), sum(balance) FROM bank")
count, total = cur.fetchone()
assert count == ACCOUNTS, count
assert total == ACCOUNTS * INITIAL, total
print("psycopg2 test passed: %d transfers, %d restarts, total %d" %
      (THREADS * TRANSFERS, retries[0], total))
