package conformance

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/internal/testenv"
)

// startMariaDB starts a MariaDB of the test's own, from Debian's
// mariadb-server package, on 127.0.0.1, with a user "valet" whose password
// is "valet-pw" and a database "valetdb": what the hyperdrive-mysql fixture
// connects to. It returns the server's connection string and stops it when
// the test ends.
func startMariaDB(t *testing.T) string {
	t.Helper()
	server := testenv.LookPath(t, "mariadbd")
	install := testenv.LookPath(t, "mariadb-install-db")
	client := testenv.LookPath(t, "mariadb")
	dir := t.TempDir()
	// The server runs as root only when told so; as any other user, as
	// that user.
	var user []string
	if os.Geteuid() == 0 {
		user = []string{"--user=root"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	args := append([]string{"--no-defaults", "--datadir=" + filepath.Join(dir, "data"), "--auth-root-authentication-method=normal", "--skip-test-db"}, user...)
	if out, err := exec.CommandContext(ctx, install, args...).CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	port := freePort(t)
	sock := filepath.Join(dir, "sock")
	log, err := os.Create(filepath.Join(dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd := exec.Command(server, append([]string{"--no-defaults", "--datadir=" + filepath.Join(dir, "data"), "--socket=" + sock,
		"--port=" + strconv.Itoa(port), "--bind-address=127.0.0.1", "--pid-file=" + filepath.Join(dir, "pid")}, user...)...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	// Ready once the client gets in through the socket.
	setup := "CREATE DATABASE valetdb; CREATE USER 'valet'@'%' IDENTIFIED BY 'valet-pw'; GRANT ALL ON valetdb.* TO 'valet'@'%';"
	for {
		out, err := exec.CommandContext(ctx, client, "--no-defaults", "-S", sock, "-uroot", "-e", setup).CombinedOutput()
		if err == nil {
			break
		}
		select {
		case err := <-done:
			b, _ := os.ReadFile(filepath.Join(dir, "log"))
			t.Fatalf("mariadbd exited: %v\n%s", err, b)
		case <-ctx.Done():
			t.Fatalf("MariaDB not ready after a minute: %v\n%s", err, out)
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Sprintf("mysql://valet:valet-pw@127.0.0.1:%d/valetdb", port)
}
