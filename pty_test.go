package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdPtyexec runs PROG on a new pseudo-terminal that never answers what is
// written to it, as `script -qc PROG /dev/null` does: stdin, stdout and
// stderr are the pty, which is also PROG's controlling terminal. What PROG
// wrote (stdout and stderr mixed, as on a screen) becomes the script's
// stdout. It fails when PROG fails or runs longer than D (-within D,
// default 2s): a program that asks the terminal something and waits for the
// answer (bubbletea v1 asked for the background colour and waited 5 s)
// fails both ways.
//
//	ptyexec [-within D] PROG [ARGS...]
func cmdPtyexec(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! ptyexec")
	}
	within := 2 * time.Second
	if len(args) >= 2 && args[0] == "-within" {
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		within, args = d, args[2:]
	}
	if len(args) < 1 {
		ts.Fatalf("usage: ptyexec [-within D] PROG [ARGS...]")
	}
	master, slave, err := openPty()
	ts.Check(err)
	defer master.Close()

	prog, err := lookPath(ts, args[0])
	ts.Check(err)
	c := exec.Command(prog, args[1:]...)
	c.Dir = ts.MkAbs(".")
	c.Env = scriptEnv(ts)
	c.Stdin, c.Stdout, c.Stderr = slave, slave, slave
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	start := time.Now()
	if err := c.Start(); err != nil {
		slave.Close()
		ts.Fatalf("ptyexec: start %s: %v", args[0], err)
	}
	slave.Close() // the child holds it now; the master reads EOF (EIO) once it exits

	var screen bytes.Buffer
	read := make(chan struct{})
	go func() {
		defer close(read)
		_, _ = io.Copy(&screen, master) // never answers: reads and keeps
	}()
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case err = <-done:
	case <-time.After(within + 10*time.Second):
		_ = c.Process.Kill()
		err = <-done
	}
	took := time.Since(start)
	<-read
	_, _ = ts.Stdout().Write(screen.Bytes())
	if err != nil {
		ts.Fatalf("ptyexec: %s: %v\n%s", args[0], err, screen.String())
	}
	if took > within {
		ts.Fatalf("ptyexec: %s took %s on a terminal that never answers, want at most %s\n%q", args[0], took.Round(time.Millisecond), within, screen.String())
	}
}

// scriptEnv is the script's environment (testscript's clean slate plus
// what setupScript passed through), read back variable by variable.
func scriptEnv(ts *testscript.TestScript) []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "TERM", "NO_COLOR", "CI",
		"TMPDIR", "WORK", "PWD", "GOCACHE", "GOPATH", "GOMODCACHE"} {
		if v := ts.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// lookPath finds prog on the script's PATH (where testscript puts valet).
func lookPath(ts *testscript.TestScript, prog string) (string, error) {
	if strings.Contains(prog, "/") {
		return prog, nil
	}
	for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
		p := filepath.Join(dir, prog)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("ptyexec: %s not found on the script's PATH", prog)
}

var errNoPty = errors.New("ptyexec: no pseudo-terminals on this system")
