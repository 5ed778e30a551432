package workerd

import (
	"os/exec"
	"strings"
	"time"
)

// CompatibilityDate is the date a worker without compatibility_date runs
// at: the newest that binary supports, as `workerd --version` names it
// (wrangler likewise defaults to a date its bundled workerd supports). When
// the binary does not say, today's.
func CompatibilityDate(binary string) string {
	out, err := exec.Command(binary, "--version").Output()
	if err == nil {
		// "workerd 2026-11-17"
		f := strings.Fields(string(out))
		if len(f) == 2 {
			if _, err := time.Parse("2006-01-02", f[1]); err == nil {
				return f[1]
			}
		}
	}
	return time.Now().UTC().Format("2006-01-02")
}
