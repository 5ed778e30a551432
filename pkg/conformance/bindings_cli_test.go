package conformance

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/bindings"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/d1"
	"github.com/valet-dev/valet/pkg/r2"
	"github.com/valet-dev/valet/pkg/workerd/workerdtest"
)

// TestD1ExecuteSharesDevStorage: what `valet d1 execute` writes, the worker
// under valet dev reads, and the other way round, as with wrangler's
// --local and wrangler dev.
func TestD1ExecuteSharesDevStorage(t *testing.T) {
	bin := workerdtest.Binary(t)
	dir := fixture(t, filepath.Join("bindings", "d1"))
	state := t.TempDir()
	p, err := config.Load(config.LoadOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	db, err := d1.Find(p.Config, "fixture") // by database_name
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := d1.Open(ctx, d1.Options{Workerd: bin, PersistTo: state, Database: db})
	if err != nil {
		t.Fatal(err)
	}
	res, err := conn.Execute(ctx, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); -- the table\nINSERT INTO users (name) VALUES ('zoe'), ('yann');")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || !res[1].Success {
		t.Fatalf("results %+v", res)
	}
	if _, err := conn.Execute(ctx, "INSERT INTO users (name) VALUES ('lost'); SELEC 1"); err == nil || !strings.Contains(err.Error(), "syntax error") {
		t.Errorf("a bad statement: err = %v", err)
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}

	t.Run("dev reads it", func(t *testing.T) {
		d, err := tryDevIn(t, dir, "", persistTo(state))
		if err != nil {
			t.Fatal(err)
		}
		// The failed call rolled back: no "lost".
		if got := string(getBody(t, d.url+"/check")); got != `[["zoe"],["yann"]]` {
			t.Errorf("/check = %s", got)
		}
	})
	fresh := t.TempDir()
	t.Run("dev writes", func(t *testing.T) {
		d, err := tryDevIn(t, dir, "", persistTo(fresh))
		if err != nil {
			t.Fatal(err)
		}
		getBody(t, d.url+"/run")
	})
	t.Run("execute reads what dev wrote", func(t *testing.T) {
		conn, err := d1.Open(ctx, d1.Options{Workerd: bin, PersistTo: fresh, Database: db})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		res, err := conn.Execute(ctx, "SELECT title FROM posts WHERE id = 1")
		if err != nil {
			t.Fatal(err)
		}
		if string(res[0].Results) != `[{"title":"hello"}]` {
			t.Errorf("results %s", res[0].Results)
		}
	})
}

// TestD1Migrations: create numbers the files, list shows what is not
// applied, apply runs them in order and records them in d1_migrations.
func TestD1Migrations(t *testing.T) {
	bin := workerdtest.Binary(t)
	dir := t.TempDir()
	db := config.D1Database{Binding: "DB", DatabaseName: "app", DatabaseID: "id-1"}
	m := d1.MigrationsOf(dir, db)
	ctx := context.Background()
	p1, err := m.Create("create users", fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(p1) != "0001_create_users.sql" {
		t.Errorf("first migration %s", p1)
	}
	writeFile(t, p1, "-- Migration number: 0001\nCREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n")
	p2, err := m.Create("add email", fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, p2, "ALTER TABLE users ADD COLUMN email TEXT;\nINSERT INTO users (name, email) VALUES ('a', 'a@x');\n")
	conn, err := d1.Open(ctx, d1.Options{Workerd: bin, PersistTo: t.TempDir(), Database: db})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	todo, err := m.Unapplied(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(todo, ",") != "0001_create_users.sql,0002_add_email.sql" {
		t.Fatalf("unapplied %v", todo)
	}
	if err := m.Apply(ctx, conn, todo[0]); err != nil {
		t.Fatal(err)
	}
	if todo, _ = m.Unapplied(ctx, conn); strings.Join(todo, ",") != "0002_add_email.sql" {
		t.Fatalf("after one: unapplied %v", todo)
	}
	if err := m.Apply(ctx, conn, todo[0]); err != nil {
		t.Fatal(err)
	}
	res, err := conn.Execute(ctx, "SELECT name FROM d1_migrations ORDER BY id; SELECT email FROM users")
	if err != nil {
		t.Fatal(err)
	}
	var names []map[string]string
	_ = json.Unmarshal(res[0].Results, &names)
	if len(names) != 2 || names[1]["name"] != "0002_add_email.sql" || string(res[1].Results) != `[{"email":"a@x"}]` {
		t.Errorf("applied %s; users %s", res[0].Results, res[1].Results)
	}
}

// TestR2ObjectSharesDevStorage: an object put as `valet r2 object put`
// stores it is what the worker reads under valet dev.
func TestR2ObjectSharesDevStorage(t *testing.T) {
	dir := fixture(t, filepath.Join("bindings", "r2"))
	state := t.TempDir()
	b, err := r2.OpenDisk(bindings.R2Dir(state, "fixture-bucket"))
	if err != nil {
		t.Fatal(err)
	}
	body := "<p>from the cli</p>"
	if _, err := b.Put(context.Background(), "meta.html", strings.NewReader(body), int64(len(body)), r2.PutOptions{HTTP: r2.HTTPMetadata{ContentType: "text/html"}}); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	d, err := tryDevIn(t, dir, "", persistTo(state))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(getBody(t, d.url+"/check")); got != `{"text":"<p>from the cli</p>","custom":{},"count":1}` {
		t.Errorf("/check = %s", got)
	}
}

var fixedNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
