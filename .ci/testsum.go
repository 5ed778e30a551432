//go:build ignore

// testsum reads `go test -json` on stdin and prints what a person (and a CI
// log) needs: one line per package as go test prints it, the full output of
// every failed test, and a closing line "tests: N passed, N failed, N skipped".
// It exits 1 when anything failed. Run it as `go run .ci/testsum.go`.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

type summary struct {
	out                     io.Writer
	passed, failed, skipped int
	failedPkgs              []string
	testOut                 map[string][]string // package+"\x00"+test → output lines
	pkgOut                  map[string][]string
}

func main() {
	s := &summary{out: os.Stdout, testOut: map[string][]string{}, pkgOut: map[string][]string{}}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		s.line(sc.Text())
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "testsum: read go test output: %v\n", err)
		os.Exit(1)
	}
	if s.finish() {
		os.Exit(1)
	}
}

func (s *summary) line(text string) {
	var e event
	if !strings.HasPrefix(text, "{") || json.Unmarshal([]byte(text), &e) != nil {
		fmt.Fprintln(s.out, text) // not JSON: a message of the go command itself
		return
	}
	key := e.Package + "\x00" + e.Test
	switch e.Action {
	case "build-output":
		fmt.Fprint(s.out, e.Output)
	case "output":
		if e.Test == "" {
			s.pkgOut[e.Package] = append(s.pkgOut[e.Package], e.Output)
		} else {
			s.testOut[key] = append(s.testOut[key], e.Output)
		}
	case "pass", "skip", "fail":
		if e.Test != "" {
			s.testResult(e, key)
		} else {
			s.pkgResult(e)
		}
	}
}

func (s *summary) testResult(e event, key string) {
	switch e.Action {
	case "pass":
		s.passed++
	case "skip":
		s.skipped++
	case "fail":
		s.failed++
		fmt.Fprint(s.out, strings.Join(s.testOut[key], ""))
	}
	delete(s.testOut, key)
}

func (s *summary) pkgResult(e event) {
	lines := s.pkgOut[e.Package]
	delete(s.pkgOut, e.Package)
	if e.Action == "fail" {
		s.failedPkgs = append(s.failedPkgs, e.Package)
		// Tests still running when the package died (timeout, panic, os.Exit).
		prefix := e.Package + "\x00"
		var cut []string
		for k := range s.testOut {
			if strings.HasPrefix(k, prefix) {
				cut = append(cut, k)
			}
		}
		sort.Strings(cut)
		for _, k := range cut {
			fmt.Fprintf(s.out, "--- INTERRUPTED: %s\n%s", strings.TrimPrefix(k, prefix), strings.Join(s.testOut[k], ""))
			delete(s.testOut, k)
			s.failed++
		}
		fmt.Fprint(s.out, strings.Join(lines, ""))
		return
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "ok") || strings.HasPrefix(l, "?") {
			fmt.Fprint(s.out, l)
		}
	}
}

// finish prints the closing lines and reports whether anything failed.
func (s *summary) finish() bool {
	if len(s.failedPkgs) > 0 {
		fmt.Fprintf(s.out, "\nFAILED packages:\n  %s\n", strings.Join(s.failedPkgs, "\n  "))
	}
	fmt.Fprintf(s.out, "\ntests: %d passed, %d failed, %d skipped\n", s.passed, s.failed, s.skipped)
	return s.failed > 0 || len(s.failedPkgs) > 0
}
