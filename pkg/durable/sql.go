package durable

import (
	"context"
	"fmt"
	"strings"
)

// Result is what one ctx.storage.sql.exec() produced: the cursor's rows,
// read eagerly (objects' queries are small and local).
type Result struct {
	Columns     []string
	Rows        [][]any // int64, float64, string, []byte or nil
	RowsRead    int
	RowsWritten int
}

// Exec runs query with bindings. Several statements separated by ";" run in
// order; the cursor holds the last one's rows, as on the platform.
func (s *Storage) Exec(query string, bindings ...any) (*Result, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	stmts := splitStatements(query)
	if len(stmts) == 0 {
		return nil, fmt.Errorf("sql.exec: empty query")
	}
	if len(stmts) > 1 && len(bindings) > 0 {
		return nil, fmt.Errorf("sql.exec: bindings are only allowed with a single statement (got %d statements)", len(stmts))
	}
	res := &Result{}
	for _, q := range stmts {
		r, err := s.query(q, bindings)
		if err != nil {
			return nil, fmt.Errorf("%w: SQLITE_ERROR", err)
		}
		res.RowsRead += r.RowsRead
		res.RowsWritten += r.RowsWritten
		res.Columns, res.Rows = r.Columns, r.Rows
	}
	return res, nil
}

func (s *Storage) query(q string, bindings []any) (*Result, error) {
	ctx := context.Background()
	rows, err := s.conn.QueryContext(ctx, q, bindings...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	res := &Result{Columns: cols, Rows: [][]any{}}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		res.Rows = append(res.Rows, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	_ = rows.Close()
	res.RowsRead = len(res.Rows)
	if isWrite(q) {
		var n int
		if err := s.conn.QueryRowContext(ctx, `SELECT changes()`).Scan(&n); err == nil {
			res.RowsWritten = n
		}
	}
	return res, nil
}

func isWrite(q string) bool {
	f := strings.ToUpper(firstWord(q))
	switch f {
	case "INSERT", "UPDATE", "DELETE", "REPLACE", "UPSERT":
		return true
	}
	return false
}

func firstWord(q string) string {
	q = strings.TrimSpace(q)
	for i, r := range q {
		if r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '(' {
			return q[:i]
		}
	}
	return q
}

// splitStatements splits SQL on ";" outside quotes and comments, dropping
// empty statements.
func splitStatements(q string) []string {
	var out []string
	start := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '[':
			quote = ']'
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			end := strings.Index(q[i+2:], "*/")
			if end < 0 {
				i = len(q)
			} else {
				i += end + 3
			}
		case c == ';':
			out = appendStmt(out, q[start:i])
			start = i + 1
		}
	}
	return appendStmt(out, q[start:])
}

func appendStmt(out []string, s string) []string {
	if strings.TrimSpace(stripComments(s)) == "" {
		return out
	}
	return append(out, s)
}

func stripComments(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '-' && i+1 < len(s) && s[i+1] == '-' {
			for i < len(s) && s[i] != '\n' {
				i++
			}
			continue
		}
		if s[i] == '/' && i+1 < len(s) && s[i+1] == '*' {
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				break
			}
			i += end + 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
