package conformance

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/internal/testenv"
)

// postgres is a PostgreSQL server of the test's own, from Debian's
// postgresql package, on 127.0.0.1, with a superuser "valet" whose
// password is "valet-pw" and a database "valetdb": what the hyperdrive
// fixture connects to. It stops when the test ends.
type postgres struct {
	port int
}

// url is the server's connection string.
func (p postgres) url() string {
	return fmt.Sprintf("postgresql://valet:valet-pw@127.0.0.1:%d/valetdb", p.port)
}

// pgBin finds the server's programs: on PATH, else in Debian's versioned
// directory, which is not on PATH.
func pgBin(t *testing.T) string {
	// A link on PATH (to one program) leads to the directory of them all.
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(real)
		}
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(found) == 0 {
		testenv.Missing(t, "PostgreSQL is not installed (.ci/deps.sh postgresql)")
	}
	return filepath.Dir(found[len(found)-1])
}

func startPostgres(t *testing.T) postgres {
	t.Helper()
	bin := pgBin(t)
	// Not under t.TempDir(): its parent is private to the test's user,
	// which the server may not be.
	dir, err := os.MkdirTemp("", "valet-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// The server refuses to run as root: then it runs as the package's
	// postgres user, which must own its directory.
	var as []string
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			testenv.Missing(t, "running PostgreSQL as root needs the postgres user of Debian's postgresql package: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		as = []string{"runuser", "-u", "postgres", "--"}
	}
	run := func(args ...string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		full := append(append([]string(nil), as...), args...)
		cmd := exec.CommandContext(ctx, full[0], full[1:]...)
		cmd.Env = append(os.Environ(), "PGPASSWORD=valet-pw")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("valet-pw\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run(filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"), "-U", "valet", "--pwfile", pw, "-A", "scram-sha-256", "--no-sync")
	port := freePort(t)
	opts := fmt.Sprintf("-k %s -h 127.0.0.1 -p %d -F", dir, port)
	run(filepath.Join(bin, "pg_ctl"), "-D", filepath.Join(dir, "data"), "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "start")
	t.Cleanup(func() {
		full := append(append([]string(nil), as...), filepath.Join(bin, "pg_ctl"), "-D", filepath.Join(dir, "data"), "-m", "immediate", "-w", "stop")
		if out, err := exec.Command(full[0], full[1:]...).CombinedOutput(); err != nil {
			t.Errorf("stop PostgreSQL: %v\n%s", err, out)
		}
	})
	run(filepath.Join(bin, "createdb"), "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "valet", "valetdb")
	return postgres{port: port}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
