\set tid random(1, 10 * :scale)
SELECT t.tid, t.tbalance, b.bbalance FROM pgbench_tellers t JOIN pgbench_branches b ON b.bid = t.bid WHERE t.tid = :tid;
