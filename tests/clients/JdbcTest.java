// pgJDBC against a real Meridian node: prepared statements with parameters of each common
// type (server-side prepared after a few executions), NULLs, batches, transactions with
// commit and rollback, ResultSet metadata, and SQLSTATEs on errors.
//
// usage: java -cp postgresql.jar:. JdbcTest PORT
import java.math.BigDecimal;
import java.sql.*;

public class JdbcTest {
  static void check(boolean ok, String what) {
    if (!ok) throw new AssertionError(what);
  }

  public static void main(String[] args) throws Exception {
    String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/meridian?user=root&prepareThreshold=1";
    try (Connection c = DriverManager.getConnection(url)) {
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE items (id BIGINT PRIMARY KEY, name VARCHAR(40) NOT NULL, "
            + "price NUMERIC(10,2), qty INT, weight DOUBLE PRECISION, active BOOLEAN, "
            + "made DATE, seen TIMESTAMP, small SMALLINT, data BYTEA)");
      }
      // Prepared statements with every type, run enough times to become server-side.
      try (PreparedStatement p = c.prepareStatement(
               "INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        for (int i = 1; i <= 5; i++) {
          p.setLong(1, i);
          p.setString(2, "item" + i);
          p.setBigDecimal(3, new BigDecimal("1.25").multiply(BigDecimal.valueOf(i)));
          p.setInt(4, i * 10);
          p.setDouble(5, i / 4.0);
          p.setBoolean(6, i % 2 == 0);
          p.setDate(7, Date.valueOf("2024-01-0" + i));
          p.setTimestamp(8, Timestamp.valueOf("2024-01-0" + i + " 10:00:00.5"));
          p.setShort(9, (short) -i);
          p.setBytes(10, new byte[] {(byte) i, (byte) 0xff});
          check(p.executeUpdate() == 1, "insert count");
        }
        p.setLong(1, 6);
        p.setString(2, "nulls");
        for (int k = 3; k <= 10; k++) p.setNull(k, Types.NULL);
        p.executeUpdate();
      }
      try (PreparedStatement q = c.prepareStatement(
               "SELECT id, name, price, qty, weight, active, made, seen, small, data FROM items WHERE id = ?")) {
        for (int round = 0; round < 3; round++) {
          q.setLong(1, 4);
          try (ResultSet r = q.executeQuery()) {
            check(r.next(), "row 4");
            check(r.getLong(1) == 4, "id");
            check(r.getString(2).equals("item4"), "name");
            check(r.getBigDecimal(3).compareTo(new BigDecimal("5.00")) == 0, "price " + r.getBigDecimal(3));
            check(r.getInt(4) == 40, "qty");
            check(r.getDouble(5) == 1.0, "weight");
            check(r.getBoolean(6), "active");
            check(r.getDate(7).toString().equals("2024-01-04"), "made " + r.getDate(7));
            check(r.getTimestamp(8).equals(Timestamp.valueOf("2024-01-04 10:00:00.5")), "seen " + r.getTimestamp(8));
            check(r.getShort(9) == -4, "small");
            byte[] d = r.getBytes(10);
            check(d.length == 2 && d[0] == 4 && d[1] == (byte) 0xff, "data");
            ResultSetMetaData m = r.getMetaData();
            check(m.getColumnCount() == 10, "column count");
            check(m.getColumnName(2).equals("name"), "column name " + m.getColumnName(2));
            check(m.getColumnType(1) == Types.BIGINT, "type of id");
            check(m.getColumnType(3) == Types.NUMERIC, "type of price");
            check(m.getColumnType(6) == Types.BIT || m.getColumnType(6) == Types.BOOLEAN, "type of active");
            check(m.getColumnTypeName(2).equals("varchar"), "type name " + m.getColumnTypeName(2));
            check(!r.next(), "one row");
          }
        }
        q.setLong(1, 6);
        try (ResultSet r = q.executeQuery()) {
          check(r.next(), "row 6");
          r.getBigDecimal(3);
          check(r.wasNull(), "NULL price");
          r.getInt(4);
          check(r.wasNull(), "NULL qty");
        }
      }
      // Batches.
      try (PreparedStatement p = c.prepareStatement("UPDATE items SET qty = qty + ? WHERE id = ?")) {
        for (int i = 1; i <= 5; i++) {
          p.setInt(1, 1);
          p.setLong(2, i);
          p.addBatch();
        }
        int[] counts = p.executeBatch();
        check(counts.length == 5, "batch size");
        for (int n : counts) check(n == 1, "batch count");
      }
      try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT sum(qty) FROM items")) {
        check(r.next() && r.getLong(1) == 155, "sum after batch");
      }
      // Transactions: rollback discards, commit keeps.
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.executeUpdate("DELETE FROM items WHERE id = 1");
        c.rollback();
        s.executeUpdate("UPDATE items SET name = 'renamed' WHERE id = 2");
        c.commit();
      }
      c.setAutoCommit(true);
      try (Statement s = c.createStatement();
           ResultSet r = s.executeQuery("SELECT count(*), max(name) FROM items")) {
        check(r.next() && r.getLong(1) == 6 && r.getString(2).equals("renamed"), "after txns");
      }
      // Errors carry SQLSTATEs.
      try (Statement s = c.createStatement()) {
        s.executeUpdate("INSERT INTO items (id, name) VALUES (1, 'dup')");
        throw new AssertionError("duplicate accepted");
      } catch (SQLException e) {
        check("23505".equals(e.getSQLState()), "sqlstate " + e.getSQLState());
      }
      try (PreparedStatement p = c.prepareStatement("SELECT * FROM nope WHERE id = ?")) {
        p.setInt(1, 1);
        p.executeQuery();
        throw new AssertionError("missing table accepted");
      } catch (SQLException e) {
        check("42P01".equals(e.getSQLState()), "sqlstate " + e.getSQLState());
      }
      DatabaseMetaData md = c.getMetaData();
      check(md.getDatabaseProductName().equals("PostgreSQL"), "product");
    }
    System.out.println("JDBC test passed");
  }
}
