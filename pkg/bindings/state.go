package bindings

import (
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/valet-dev/valet/pkg/config"

	// SQLite, to read what workerd stores, for the dashboard.
	_ "modernc.org/sqlite"
)

// ObjectID is the id workerd gives the Durable Object idFromName(name) of
// the namespace whose uniqueKey is key: an HMAC-SHA256 of the name keyed
// by SHA-256(key), then an HMAC of that first half (actor-id-impl.c++). Its
// SQLite file is <storage>/<class>/<id>.sqlite, which is how valet finds
// a KV namespace or a D1 database on disk.
func ObjectID(uniqueKey, name string) string {
	key := sha256.Sum256([]byte(uniqueKey))
	m := hmac.New(sha256.New, key[:])
	m.Write([]byte(name))
	id := m.Sum(nil)[:16]
	m = hmac.New(sha256.New, key[:])
	m.Write(id)
	return hex.EncodeToString(append(id, m.Sum(nil)[:16]...))
}

// objectFile is the SQLite file of the bundled module's object name.
func objectFile(persist, kind, class, name string) string {
	return filepath.Join(persist, kind, class, ObjectID(class, name)+".sqlite")
}

// openRead opens a SQLite file workerd may be writing, read-only; ok is
// false when there is no such file yet (nothing stored).
func openRead(path string) (db *sql.DB, ok bool, err error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	db, err = sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(2000)")
	if err != nil {
		return nil, false, err
	}
	return db, true, nil
}

// kvState counts a namespace's live keys.
func kvState(b Binding, ctx Context) (string, error) {
	db, ok, err := openRead(objectFile(ctx.PersistTo, "kv", kvClass, b.ID))
	if err != nil || !ok {
		return plural(0, "key"), err
	}
	defer db.Close()
	var n int
	// Expirations are in milliseconds; an expired key is gone for readers
	// even before the module deletes it.
	err = db.QueryRow(`SELECT count(*) FROM entries WHERE expiration IS NULL OR expiration > ?`, time.Now().UnixMilli()).Scan(&n)
	if err != nil {
		return "", fmt.Errorf("kv namespace %s: %w", b.ID, err)
	}
	return plural(n, "key"), nil
}

// d1State counts a database's tables and their rows.
func d1State(b Binding, ctx Context) (string, error) {
	db, ok, err := openRead(objectFile(ctx.PersistTo, "d1", d1Class, b.ID))
	if err != nil || !ok {
		return plural(0, "table") + ", " + plural(0, "row"), err
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name`)
	if err != nil {
		return "", fmt.Errorf("d1 database %s: %w", b.ID, err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return "", err
		}
		tables = append(tables, t)
	}
	rows.Close()
	total := 0
	for _, t := range tables {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM "` + strings.ReplaceAll(t, `"`, `""`) + `"`).Scan(&n); err != nil {
			return "", fmt.Errorf("d1 database %s: table %s: %w", b.ID, t, err)
		}
		total += n
	}
	return plural(len(tables), "table") + ", " + plural(total, "row"), nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// Data lists what data of c a host keeps in the app's state volume (the
// bindings that store something), and what lives elsewhere and stays when
// the app is destroyed (an R2 bucket in an S3-compatible store).
func Data(c *config.Config) (inVolume, elsewhere []string) {
	seen := map[string]bool{}
	for _, b := range List(c, nil) {
		switch {
		case b.Kind.Data != nil:
			// Said once: a queue's producer and consumer name one store.
			if line := b.Kind.Data(b); line != "" && !seen[line] {
				seen[line] = true
				inVolume = append(inVolume, line)
			}
		case b.Kind == durableObjects && b.ScriptName == "":
			inVolume = append(inVolume, fmt.Sprintf("Durable Objects %s (class %s)", b.Name, b.Class))
		case b.Kind.State == nil:
		case b.S3 != nil:
			elsewhere = append(elsewhere, fmt.Sprintf("%s %s (%s in %s)", b.Kind.Name, b.Name, b.S3.Bucket, b.S3.Endpoint))
		default:
			inVolume = append(inVolume, fmt.Sprintf("%s %s (%s)", b.Kind.Name, b.Name, b.ID))
		}
	}
	return inVolume, elsewhere
}

// States tells what each storage binding of c holds, by RowKey, read from
// ctx.PersistTo; a binding whose state cannot be read says why.
func States(c *config.Config, ctx Context) map[string]string {
	out := map[string]string{}
	for _, b := range Effective(c, nil) {
		if b.Kind.State == nil {
			continue
		}
		s, err := b.Kind.State(b, ctx)
		if err != nil {
			s = "unreadable: " + err.Error()
		}
		out[RowKey(b)] = s
	}
	return out
}
