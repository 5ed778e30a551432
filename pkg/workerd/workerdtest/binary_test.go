package workerdtest

import (
	"os"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that records Fatalf and Skipf instead of
// ending the test.
type recorder struct {
	testing.TB
	fatal, skip bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Fatalf(string, ...any) { r.fatal = true }
func (r *recorder) Skipf(string, ...any)  { r.skip = true }
func (r *recorder) Skip(...any)           { r.skip = true }
func (r *recorder) Fatal(...any)          { r.fatal = true }

func TestBinaryFailsUnderCIWithoutWorkerd(t *testing.T) {
	t.Setenv("VALET_WORKERD", "")
	t.Setenv("VALET_CACHE_DIR", t.TempDir())
	for _, ci := range []string{"true", "1", "", "false", "0"} {
		t.Setenv("CI", ci)
		r := &recorder{TB: t}
		Binary(r)
		under := ci == "true" || ci == "1"
		if r.fatal != under || r.skip == under {
			t.Errorf("CI=%q: failed %v, skipped %v", ci, r.fatal, r.skip)
		}
	}
}

func TestBinaryTakesValetWorkerd(t *testing.T) {
	p := filepath.Join(t.TempDir(), "workerd")
	if err := os.WriteFile(p, []byte("bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VALET_WORKERD", p)
	t.Setenv("CI", "true")
	r := &recorder{TB: t}
	if got := Binary(r); got != p || r.fatal || r.skip {
		t.Errorf("Binary = %q (failed %v, skipped %v), want %s", got, r.fatal, r.skip, p)
	}
}
