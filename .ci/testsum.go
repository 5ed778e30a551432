//go:build ignore

// testsum reads `go test -json` on stdin and prints what a person (and a CI
// log) needs: one line per package as go test prints it, the full output of
// every failed test, every skipped test by name with its reason, and a
// closing line "tests: N passed, N failed, N skipped". It exits 1 when
// anything failed, and with -strict (what .ci/test passes under CI) also
// when a test skipped: under CI every part a test needs is there, so a skip
// is a test that silently did not run. Run it as `go run .ci/testsum.go`.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
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
	label                   string
	out                     io.Writer
	passed, failed, skipped int
	failedPkgs              []string
	skips                   []string            // "pkg TestName: reason"
	testOut                 map[string][]string // package+"\x00"+test → output lines
	pkgOut                  map[string][]string
}

func main() {
	strict := flag.Bool("strict", false, "a skipped test fails the run (CI)")
	label := flag.String("label", "tests", "the closing line's first word, e.g. \"race tests\" for a -race pass")
	flag.Parse()
	s := &summary{label: *label, out: os.Stdout, testOut: map[string][]string{}, pkgOut: map[string][]string{}}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		s.line(sc.Text())
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "testsum: read go test output: %v\n", err)
		os.Exit(1)
	}
	if s.finish(*strict) {
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
		s.skips = append(s.skips, fmt.Sprintf("%s %s: %s", e.Package, e.Test, skipReason(s.testOut[key])))
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

// skipReason is the last line a skipped test logged: its t.Skip message,
// as "file_test.go:12: message".
func skipReason(lines []string) string {
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "=== ") {
			continue
		}
		return l
	}
	return "(no reason given)"
}

// finish prints the closing lines and reports whether the run failed.
func (s *summary) finish(strict bool) bool {
	if len(s.skips) > 0 {
		head := "SKIPPED tests"
		if strict {
			head = "SKIPPED tests (a failure under CI: each part a test needs must be there)"
		}
		fmt.Fprintf(s.out, "\n%s:\n  %s\n", head, strings.Join(s.skips, "\n  "))
	}
	if len(s.failedPkgs) > 0 {
		fmt.Fprintf(s.out, "\nFAILED packages:\n  %s\n", strings.Join(s.failedPkgs, "\n  "))
	}
	fmt.Fprintf(s.out, "\n%s: %d passed, %d failed, %d skipped\n", s.label, s.passed, s.failed, s.skipped)
	return s.failed > 0 || len(s.failedPkgs) > 0 || (strict && s.skipped > 0)
}
