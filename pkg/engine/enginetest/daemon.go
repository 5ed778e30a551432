package enginetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// DaemonFlags are the dockerd flags a private test engine runs with. They
// work in a VM or container without iptables: --bridge=none (no default
// bridge; valet creates its own network, engine.DefaultNetwork) and
// --iptables=false (ports are published by dockerd's userland proxy; the
// traffic between containers is let through the host's FORWARD chain by
// allowBridged, whatever its policy).
var DaemonFlags = []string{"--iptables=false", "--ip6tables=false", "--bridge=none"}

// daemon is a private dockerd started for tests.
type daemon struct {
	dir  string
	host string
	cmd  *exec.Cmd
	log  *os.File

	exited chan struct{} // closed when dockerd has exited
	undo   func()        // takes out allowBridged's rule
}

func startDaemon(timeout time.Duration, extra ...string) (*daemon, error) {
	// Unix socket paths are limited to 108 bytes: stay short, under /tmp.
	dir, err := os.MkdirTemp("/tmp", "valet-et-")
	if err != nil {
		return nil, err
	}
	sock := filepath.Join(dir, "docker.sock")
	logf, err := os.Create(filepath.Join(dir, "dockerd.log"))
	if err != nil {
		return nil, err
	}
	args := append([]string{
		"--host", "unix://" + sock,
		"--data-root", filepath.Join(dir, "data"),
		"--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "docker.pid"),
	}, DaemonFlags...)
	args = append(args, extra...)
	cmd := exec.Command("dockerd", args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("start dockerd: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	d := &daemon{dir: dir, host: "unix://" + sock, cmd: cmd, log: logf, exited: exited, undo: func() {}}
	if !iptablesOn(args) {
		d.undo = allowBridged(dir)
	}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			log, _ := os.ReadFile(logf.Name())
			d.cleanup()
			return nil, fmt.Errorf("dockerd exited at start:\n%s", tail(string(log), 2000))
		case <-time.After(100 * time.Millisecond):
		}
		if answers(d.host) {
			return d, nil
		}
	}
	d.stop()
	return nil, fmt.Errorf("dockerd did not answer on %s within %s (log: %s)", sock, timeout, logf.Name())
}

func (d *daemon) stop() {
	var links []string
	select {
	case <-d.exited:
	default:
		links = emptyDaemon(d.host)
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.exited:
		case <-time.After(20 * time.Second):
			_ = d.cmd.Process.Kill()
			<-d.exited
		}
	}
	deleteLinks(links)
	d.cleanup()
}

func (d *daemon) cleanup() {
	d.undo()
	_ = d.log.Close()
	_ = os.RemoveAll(d.dir)
}

// iptablesOn reports whether dockerd's flags leave iptables on (the last
// --iptables flag wins, as in dockerd's own parsing).
func iptablesOn(args []string) bool {
	on := true
	for _, a := range args {
		switch a {
		case "--iptables=false":
			on = false
		case "--iptables", "--iptables=true":
			on = true
		}
	}
	return on
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
