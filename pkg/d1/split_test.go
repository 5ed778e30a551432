package d1

import (
	"reflect"
	"testing"
)

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		sql  string
		want []string
	}{
		{"SELECT 1", []string{"SELECT 1"}},
		{"SELECT 1; SELECT 2;", []string{"SELECT 1", "SELECT 2"}},
		{"INSERT INTO t VALUES ('a;b', \"c;d\", `e;f`, [g;h]);", []string{"INSERT INTO t VALUES ('a;b', \"c;d\", `e;f`, [g;h])"}},
		{"SELECT 'it''s; fine'; SELECT 2", []string{"SELECT 'it''s; fine'", "SELECT 2"}},
		{"-- a comment; not a statement\nSELECT 1; /* also; not */ SELECT 2", []string{"-- a comment; not a statement\nSELECT 1", "/* also; not */ SELECT 2"}},
		{"-- only a comment\n;  ;\n", nil},
		{"CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE u SET n = n + 1; DELETE FROM v; END; SELECT 1",
			[]string{"CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE u SET n = n + 1; DELETE FROM v; END", "SELECT 1"}},
		{"CREATE TEMP TRIGGER IF NOT EXISTS tr AFTER INSERT ON t BEGIN SELECT 1; END;", []string{"CREATE TEMP TRIGGER IF NOT EXISTS tr AFTER INSERT ON t BEGIN SELECT 1; END"}},
		{"SELECT begin_date FROM t; SELECT 2", []string{"SELECT begin_date FROM t", "SELECT 2"}},
	} {
		if got := Split(tc.sql); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Split(%q)\n got %q\nwant %q", tc.sql, got, tc.want)
		}
	}
}
