// Package d1 runs SQL against a D1 database of the project the way
// `wrangler d1 execute --local` does: through the same D1 that valet dev
// gives the worker (workerd's bundled D1, on the storage under
// --persist-to), so what one writes the other reads. It also keeps
// wrangler's migrations: numbered .sql files, applied in order and
// recorded in a table of the database.
package d1

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/valet-dev/valet/pkg/bindings"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/workerd"
)

//go:embed js/driver.js
var driverJS []byte

// Options open a database.
type Options struct {
	Workerd   string // the workerd executable
	PersistTo string // the project's local data, as valet dev's --persist-to
	Database  config.D1Database
}

// DB is an open database: a workerd process running the driver.
type DB struct {
	proc   *workerd.Process
	client *http.Client
	dirs   []string
}

// Result is one statement's result, as wrangler prints it.
type Result struct {
	Results json.RawMessage `json:"results"` // rows as objects, columns in order
	Success bool            `json:"success"`
	Meta    struct {
		Duration float64 `json:"duration"`
	} `json:"meta"`
}

// Error is a statement the database refused.
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

// Open starts workerd with the database bound as DB.
func Open(ctx context.Context, opts Options) (*DB, error) {
	db := &DB{}
	dir, err := os.MkdirTemp("", "valet-d1-")
	if err != nil {
		return nil, err
	}
	db.dirs = append(db.dirs, dir)
	sockets, err := workerd.ShortDir("d1")
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	db.dirs = append(db.dirs, sockets)
	if err := os.WriteFile(filepath.Join(dir, "driver.js"), driverJS, 0o644); err != nil {
		_ = db.Close()
		return nil, err
	}
	bctx := bindings.Context{PersistTo: opts.PersistTo, App: "valet-d1-cli", Services: &bindings.Services{}, SocketDir: sockets}
	binding := opts.Database
	binding.Binding = "DB"
	cfg := &workerd.Config{
		Service:           "valet-d1-cli",
		CompatibilityDate: "2026-01-01",
		Modules:           []workerd.Module{{Name: "driver.js", Type: "esModule", Path: filepath.Join(dir, "driver.js")}},
	}
	if cfg.Bindings, err = bindings.Workerd(&config.Config{D1Databases: []config.D1Database{binding}}, bctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	cfg.Services = bctx.Services.List()
	db.proc, err = workerd.Start(ctx, workerd.StartOptions{
		Binary: opts.Workerd, Config: cfg, Dir: dir, SocketDir: sockets,
		Logs: func(workerd.LogLine) {},
	})
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	sock := db.proc.HTTPSocket()
	db.client = &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
	}}
	return db, nil
}

// Execute runs the statements of sql in one transaction and returns each
// one's result; a refused statement rolls all of them back and is an
// *Error.
func (db *DB) Execute(ctx context.Context, sql string) ([]Result, error) {
	stmts := Split(sql)
	if len(stmts) == 0 {
		return nil, &Error{Message: "no SQL statements to run"}
	}
	body, err := json.Marshal(map[string]any{"statements": stmts})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://d1/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	res, err := db.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("d1: %w", err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("d1: %w", err)
	}
	var out struct {
		Results []Result `json:"results"`
		Error   string   `json:"error"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("d1: %d %s", res.StatusCode, b)
	}
	if out.Error != "" {
		return nil, &Error{Message: out.Error}
	}
	return out.Results, nil
}

// Close stops workerd.
func (db *DB) Close() error {
	var errs []error
	if db.proc != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs = append(errs, db.proc.Stop(ctx))
		cancel()
	}
	for _, d := range db.dirs {
		_ = os.RemoveAll(d)
	}
	return errors.Join(errs...)
}

// Find returns the database named by nameOrBinding (its database_name or
// binding, as wrangler looks it up).
func Find(c *config.Config, nameOrBinding string) (config.D1Database, error) {
	var names []string
	for _, db := range c.D1Databases {
		if db.Binding == nameOrBinding || db.DatabaseName == nameOrBinding {
			return db, nil
		}
		names = append(names, db.Binding)
	}
	if len(names) == 0 {
		return config.D1Database{}, fmt.Errorf("the config declares no D1 database; add one under d1_databases, e.g. {\"binding\": \"DB\", \"database_name\": %q}", nameOrBinding)
	}
	return config.D1Database{}, fmt.Errorf("couldn't find a D1 database with the name or binding %q in the config (it has %v)", nameOrBinding, names)
}
