package d1

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/valet-dev/valet/pkg/config"
)

// Migrations are a database's migration files and the table recording
// which were applied, as wrangler keeps them.
type Migrations struct {
	Dir   string // migrations_dir, resolved (default <project>/migrations)
	Table string // migrations_table (default d1_migrations)
}

// MigrationsOf returns the migrations of db in the project at dir.
func MigrationsOf(projectDir string, db config.D1Database) Migrations {
	m := Migrations{Dir: db.MigrationsDir, Table: db.MigrationsTable}
	if m.Dir == "" {
		m.Dir = "migrations"
	}
	if !filepath.IsAbs(m.Dir) {
		m.Dir = filepath.Join(projectDir, m.Dir)
	}
	if m.Table == "" {
		m.Table = "d1_migrations"
	}
	return m
}

var reNumber = regexp.MustCompile(`^(\d+)`)

// Files lists the migration files (*.sql directly in Dir) in order: by
// their leading number, then by name.
func (m Migrations) Files() ([]string, error) {
	entries, err := os.ReadDir(m.Dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".sql") && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := number(names[i]), number(names[j])
		if a != b {
			return a < b
		}
		return names[i] < names[j]
	})
	return names, nil
}

func number(name string) int {
	m := reNumber.FindString(name)
	if m == "" {
		return -1
	}
	n, _ := strconv.Atoi(m)
	return n
}

// Create writes the next migration file, named NNNN_<message>.sql with
// spaces as underscores, and returns its path.
func (m Migrations) Create(message string, now time.Time) (string, error) {
	name := strings.ReplaceAll(message, " ", "_")
	if strings.ContainsAny(name, `/\`) {
		return "", fmt.Errorf("the migration name %q contains a path separator (\"/\" or \"\\\"); remove it", message)
	}
	files, err := m.Files()
	if err != nil {
		return "", err
	}
	next := 0
	for _, f := range files {
		next = max(next, number(f))
	}
	num := fmt.Sprintf("%04d", next+1)
	if err := os.MkdirAll(m.Dir, 0o755); err != nil {
		return "", fmt.Errorf("migrations: %w", err)
	}
	path := filepath.Join(m.Dir, num+"_"+name+".sql")
	header := fmt.Sprintf("-- Migration number: %s \t %s\n", num, now.UTC().Format("2006-01-02T15:04:05.000Z"))
	if err := os.WriteFile(path, []byte(header), 0o644); err != nil {
		return "", fmt.Errorf("migrations: %w", err)
	}
	return path, nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Unapplied returns the files not recorded as applied in db, in order.
func (m Migrations) Unapplied(ctx context.Context, db *DB) ([]string, error) {
	files, err := m.Files()
	if err != nil {
		return nil, err
	}
	create := "CREATE TABLE IF NOT EXISTS " + quoteIdent(m.Table) + `(
		id         INTEGER PRIMARY KEY AUTOINCREMENT,
		name       TEXT UNIQUE,
		applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
);`
	res, err := db.Execute(ctx, create+"\nSELECT name FROM "+quoteIdent(m.Table)+" ORDER BY id")
	if err != nil {
		return nil, err
	}
	var rows []struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(res[len(res)-1].Results, &rows); err != nil {
		return nil, fmt.Errorf("migrations table %s: %w", m.Table, err)
	}
	applied := map[string]bool{}
	for _, r := range rows {
		applied[r.Name] = true
	}
	var out []string
	for _, f := range files {
		if !applied[f] {
			out = append(out, f)
		}
	}
	return out, nil
}

// Apply runs one migration and records it, in one transaction.
func (m Migrations) Apply(ctx context.Context, db *DB, name string) error {
	sql, err := os.ReadFile(filepath.Join(m.Dir, name))
	if err != nil {
		return fmt.Errorf("migration %s: %w", name, err)
	}
	q := string(sql) + "\nINSERT INTO " + quoteIdent(m.Table) + " (name)\nvalues ('" + strings.ReplaceAll(name, "'", "''") + "');"
	if _, err := db.Execute(ctx, q); err != nil {
		return fmt.Errorf("migration %s: %w", name, err)
	}
	return nil
}
