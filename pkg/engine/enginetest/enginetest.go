// Package enginetest gives tests a real Docker Engine: the one DOCKER_HOST
// names, the shared private one at SharedSocket, or the default socket when
// one answers; otherwise, as root, a private dockerd started for the test
// binary (Main) or for the test. Under CI (pkg/internal/ci: CI=1 as well as
// CI=true) a missing engine fails the test, elsewhere it skips it.
package enginetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/internal/testenv"
)

// SharedSocket is the engine the valet test suite shares on a machine (see
// the lead's notes for the dockerd flags). It is used only when it answers;
// enginetest never starts or stops it.
const SharedSocket = "/tmp/valet-dockerd/docker.sock"

// envMain tells Connect and GoImage that Main owns the engine's lifetime and
// cleans the images up once, at the end of the package's tests.
const envMain = "VALET_ENGINETEST_MAIN"

// Main runs a package's tests with an engine: if none answers and this
// process may start dockerd, it starts a private one for the whole run and
// points DOCKER_HOST at it. Use it from TestMain:
//
//	func TestMain(m *testing.M) { enginetest.Main(m) }
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run is Main that returns the exit code instead of exiting, for a TestMain
// with more to do (or a wrapper such as testscript.Main that exits itself).
func Run(m interface{ Run() int }) int {
	if os.Getenv(envNetns) != "" {
		// A child of InNetns: the test starts the namespace's engine
		// itself; DOCKER_HOST's engine is in the parent's namespace.
		return m.Run()
	}
	if host := findEngine(); host != "" {
		os.Setenv("DOCKER_HOST", host)
	} else if canStartDaemon() {
		d, err := startDaemon(30 * time.Second)
		if err != nil {
			// Let each test report it (testenv.Missing: Fatal under CI, Skip elsewhere).
			os.Setenv(envStartError, err.Error())
		} else {
			defer d.stop()
			os.Setenv("DOCKER_HOST", d.host)
		}
	}
	os.Setenv(envMain, "1")
	code := m.Run()
	if os.Getenv("DOCKER_HOST") != "" {
		removeTestImages(os.Getenv("DOCKER_HOST"))
	}
	return code
}

const envStartError = "VALET_ENGINETEST_START_ERROR"

// Connect returns an engine for t, closed at cleanup, after which every
// container labelled with Labels(t) is removed. Without an engine it fails
// the test under CI and skips it elsewhere.
func Connect(t testing.TB) *engine.Engine {
	t.Helper()
	host := findEngine()
	if host == "" && os.Getenv(envMain) == "" && canStartDaemon() {
		d, err := startDaemon(30 * time.Second)
		if err != nil {
			noEngine(t, "could not start a private dockerd: "+err.Error())
		}
		t.Cleanup(d.stop)
		host = d.host
	}
	if host == "" {
		why := "no Docker Engine answers (DOCKER_HOST, " + SharedSocket + ", " + engine.DefaultHost + ")"
		if msg := os.Getenv(envStartError); msg != "" {
			why += "; starting a private dockerd failed: " + msg
		}
		noEngine(t, why)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e, err := engine.Connect(ctx, engine.Options{Host: host})
	if err != nil {
		noEngine(t, err.Error())
	}
	labels := Labels(t)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := e.Sweep(ctx, labels); err != nil {
			t.Errorf("remove the test's containers: %v", err)
		}
		_ = e.Close()
	})
	return e
}

// Labels are the labels to put on every container a test runs, so that
// Connect's cleanup removes them: {dev.valet.session: "test-<name>-<id>"}.
// They are stable for one t.
func Labels(t testing.TB) map[string]string {
	return map[string]string{engine.LabelSession: sessionID(t)}
}

func sessionID(t testing.TB) string {
	sum := sha256.Sum256([]byte(t.Name()))
	return fmt.Sprintf("test-%d-%s", os.Getpid(), hex.EncodeToString(sum[:4]))
}

func noEngine(t testing.TB, why string) {
	t.Helper()
	testenv.Missing(t, "a Docker Engine: %s\n  Set DOCKER_HOST, or start dockerd (see pkg/engine/enginetest)", why)
}

// findEngine returns the first engine address that answers a ping.
func findEngine() string {
	candidates := []string{}
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		candidates = append(candidates, h)
	}
	candidates = append(candidates, "unix://"+SharedSocket, engine.DefaultHost)
	for _, h := range candidates {
		if answers(h) {
			return h
		}
	}
	return ""
}

func answers(host string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	e, err := engine.Connect(ctx, engine.Options{Host: host, PingTimeout: 3 * time.Second})
	if err != nil {
		return false
	}
	_ = e.Close()
	return true
}

func canStartDaemon() bool {
	if os.Geteuid() != 0 {
		return false
	}
	_, err := exec.LookPath("dockerd")
	return err == nil
}
