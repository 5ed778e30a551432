package durable

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver ("sqlite")
)

// Storage is one Durable Object's storage: a SQLite database holding the
// key-value API's table (_cf_KV, as on the platform) beside the object's own
// SQL tables. Calls are synchronous and short: the JS API wraps them in
// settled promises, so that storage never opens the input gate.
type Storage struct {
	path string
	db   *sql.DB
	conn *sql.Conn // the one connection: savepoints must stay on it

	mu     sync.Mutex
	closed bool
	depth  int // open savepoints
}

// ErrClosed is returned by a Storage used after its object was evicted.
var ErrClosed = errors.New("durable object storage is closed (the object was evicted or valet is shutting down)")

// OpenStorage opens (creating when missing) the database at path. An empty
// path is an in-memory database.
func OpenStorage(path string) (*Storage, error) {
	dsn := "file::memory:"
	if path != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("durable object storage: %w", err)
		}
		dsn = "file:" + path
	}
	dsn += "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open durable object storage %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(context.Background())
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open durable object storage %s: %w (is the directory writable?)", path, err)
	}
	s := &Storage{path: path, db: db, conn: conn}
	if _, err := s.exec(`CREATE TABLE IF NOT EXISTS _cf_KV (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID`); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("open durable object storage %s: %w", path, err)
	}
	return s, nil
}

// Path is the database file ("" in memory).
func (s *Storage) Path() string { return s.path }

// Close closes the database; later calls fail with ErrClosed.
func (s *Storage) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return errors.Join(s.conn.Close(), s.db.Close())
}

func (s *Storage) exec(q string, args ...any) (sql.Result, error) {
	return s.conn.ExecContext(context.Background(), q, args...)
}

func (s *Storage) lock() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	return nil
}

// Get returns the stored values of keys (missing keys are absent).
func (s *Storage) Get(keys ...string) (map[string]string, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		var v string
		err := s.conn.QueryRowContext(context.Background(), `SELECT value FROM _cf_KV WHERE key = ?`, k).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("storage get %q: %w", k, err)
		}
		out[k] = v
	}
	return out, nil
}

// Entry is one key and its serialised value.
type Entry struct {
	Key, Value string
}

// Put stores entries in one transaction.
func (s *Storage) Put(entries ...Entry) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	return s.atomic(func() error {
		for _, e := range entries {
			if _, err := s.exec(`INSERT INTO _cf_KV (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, e.Key, e.Value); err != nil {
				return fmt.Errorf("storage put %q: %w", e.Key, err)
			}
		}
		return nil
	})
}

// Delete removes keys and returns how many existed.
func (s *Storage) Delete(keys ...string) (int, error) {
	if err := s.lock(); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	n := 0
	err := s.atomic(func() error {
		for _, k := range keys {
			res, err := s.exec(`DELETE FROM _cf_KV WHERE key = ?`, k)
			if err != nil {
				return fmt.Errorf("storage delete %q: %w", k, err)
			}
			c, _ := res.RowsAffected()
			n += int(c)
		}
		return nil
	})
	return n, err
}

// DeleteAll removes every key and every table of the object.
func (s *Storage) DeleteAll() error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	return s.atomic(func() error {
		if _, err := s.exec(`DELETE FROM _cf_KV`); err != nil {
			return fmt.Errorf("storage deleteAll: %w", err)
		}
		rows, err := s.conn.QueryContext(context.Background(), `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_cf_KV'`)
		if err != nil {
			return fmt.Errorf("storage deleteAll: %w", err)
		}
		var tables []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err == nil {
				tables = append(tables, n)
			}
		}
		_ = rows.Close()
		for _, t := range tables {
			if _, err := s.exec(`DROP TABLE IF EXISTS "` + strings.ReplaceAll(t, `"`, `""`) + `"`); err != nil {
				return fmt.Errorf("storage deleteAll: drop %s: %w", t, err)
			}
		}
		return nil
	})
}

// ListOptions are storage.list()'s options.
type ListOptions struct {
	Prefix, Start, End, StartAfter string
	HasStart, HasEnd, HasAfter     bool
	Reverse                        bool
	Limit                          int // 0: no limit
}

// List returns entries ordered by key (reversed with Reverse).
func (s *Storage) List(o ListOptions) ([]Entry, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	q := `SELECT key, value FROM _cf_KV WHERE 1=1`
	var args []any
	if o.Prefix != "" {
		// A range on the prefix keeps the primary key's order and index.
		q += ` AND key >= ? AND substr(key, 1, ?) = ?`
		args = append(args, o.Prefix, len([]rune(o.Prefix)), o.Prefix)
	}
	if o.HasStart {
		q += ` AND key >= ?`
		args = append(args, o.Start)
	}
	if o.HasAfter {
		q += ` AND key > ?`
		args = append(args, o.StartAfter)
	}
	if o.HasEnd {
		q += ` AND key < ?`
		args = append(args, o.End)
	}
	if o.Reverse {
		q += ` ORDER BY key DESC`
	} else {
		q += ` ORDER BY key`
	}
	if o.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, o.Limit)
	}
	rows, err := s.conn.QueryContext(context.Background(), q, args...)
	if err != nil {
		return nil, fmt.Errorf("storage list: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.Key, &e.Value); err != nil {
			return nil, fmt.Errorf("storage list: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// atomic runs fn inside a savepoint (nested in any open transaction). Caller holds mu.
func (s *Storage) atomic(fn func() error) error {
	name := fmt.Sprintf("valet_a%d", s.depth)
	if _, err := s.exec(`SAVEPOINT ` + name); err != nil {
		return err
	}
	if err := fn(); err != nil {
		_, _ = s.exec(`ROLLBACK TO ` + name)
		_, _ = s.exec(`RELEASE ` + name)
		return err
	}
	_, err := s.exec(`RELEASE ` + name)
	return err
}

// Begin opens a transaction (a savepoint, so they nest) for
// transaction()/transactionSync(); Commit or Rollback ends it.
func (s *Storage) Begin() error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.depth++
	_, err := s.exec(fmt.Sprintf(`SAVEPOINT valet_t%d`, s.depth))
	if err != nil {
		s.depth--
		return fmt.Errorf("storage transaction: %w", err)
	}
	return nil
}

// Commit releases the innermost transaction.
func (s *Storage) Commit() error { return s.endTx(false) }

// Rollback undoes the innermost transaction.
func (s *Storage) Rollback() error { return s.endTx(true) }

func (s *Storage) endTx(rollback bool) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if s.depth == 0 {
		return errors.New("storage transaction: no transaction is open")
	}
	name := fmt.Sprintf(`valet_t%d`, s.depth)
	s.depth--
	if rollback {
		if _, err := s.exec(`ROLLBACK TO ` + name); err != nil {
			return fmt.Errorf("storage rollback: %w", err)
		}
	}
	if _, err := s.exec(`RELEASE ` + name); err != nil {
		return fmt.Errorf("storage commit: %w", err)
	}
	return nil
}

// DatabaseSize is the database's size in bytes.
func (s *Storage) DatabaseSize() (int64, error) {
	if err := s.lock(); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	var pages, size int64
	if err := s.conn.QueryRowContext(context.Background(), `PRAGMA page_count`).Scan(&pages); err != nil {
		return 0, err
	}
	if err := s.conn.QueryRowContext(context.Background(), `PRAGMA page_size`).Scan(&size); err != nil {
		return 0, err
	}
	return pages * size, nil
}
