package enginetest

import (
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/internal/testenv"
)

// Daemon is a private dockerd a test started for itself: a "remote" host
// whose images and containers are certainly not the shared engine's.
type Daemon struct {
	// Host is its unix socket, unix:///tmp/valet-et-*/docker.sock.
	Host string
	// Dir holds its socket, data, exec root and dockerd.log.
	Dir string
}

// StartDaemon starts a private dockerd for t (stopped and removed at
// cleanup) with DaemonFlags and extra (e.g. "--host", "tcp://127.0.0.1:N",
// "--tlsverify", ...), and waits until its unix socket answers. It skips
// the test unless this process may start dockerd (root, dockerd on PATH),
// except under CI where that fails it.
func StartDaemon(t testing.TB, extra ...string) *Daemon {
	t.Helper()
	if !canStartDaemon() {
		noEngine(t, "a private dockerd needs root and dockerd on PATH")
	}
	testenv.LookPath(t, "go") // to build test images
	d, err := startDaemon(60*time.Second, extra...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.stop)
	return &Daemon{Host: d.host, Dir: d.dir}
}
