// Package text is how valet writes values for people: durations, byte
// counts, requests, and the status symbols, in Unicode or plain ASCII.
// The plain printer and the dashboard share it so both read the same.
package text

import (
	"fmt"
	"strings"
	"time"

	"github.com/valet-dev/valet/pkg/events"
)

// Symbols are the marks in front of a status line.
type Symbols struct {
	Done, Started, Failed, Skipped, Warning, Info, Container, Ready, Reloaded, Arrow, Pipe string
}

// Unicode returns the symbols for terminals and color-capable output.
func Unicode() Symbols {
	return Symbols{
		Done: "✓", Started: "•", Failed: "✗", Skipped: "-", Warning: "!", Info: "·",
		Container: "◆", Ready: "➜", Reloaded: "↻", Arrow: "→", Pipe: "│",
	}
}

// ASCII returns the symbols for output that may not be read as UTF-8
// (NO_COLOR, CI logs).
func ASCII() Symbols {
	return Symbols{
		Done: "ok", Started: "..", Failed: "x", Skipped: "-", Warning: "!", Info: "-",
		Container: "#", Ready: "->", Reloaded: "~", Arrow: "->", Pipe: "|",
	}
}

// Duration writes d the way people read timings: 412µs, 83ms, 1.2s, 2m05s.
func Duration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0ms"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < 10*time.Second:
		if d < time.Second {
			return fmt.Sprintf("%dms", d.Milliseconds())
		}
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Round(time.Second).Seconds()))
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

// Bytes writes n in binary units: 512 B, 4.0 KiB, 12.5 MiB.
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

// Progress writes how far a transfer is: "4.0 MiB / 10.0 MiB (40%)", or
// only the bytes when the total is unknown.
func Progress(bytes, total int64) string {
	if total <= 0 {
		return Bytes(bytes)
	}
	return fmt.Sprintf("%s / %s (%d%%)", Bytes(bytes), Bytes(total), Percent(bytes, total))
}

// Percent is bytes of total as a whole percentage in 0..100.
func Percent(bytes, total int64) int {
	if total <= 0 {
		return 0
	}
	p := int(bytes * 100 / total)
	return min(max(p, 0), 100)
}

// Request writes a served request: "GET /api/x 200 12ms → worker".
func Request(e events.Event, sym Symbols) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %d %s", e.Method, e.Path, e.Status, Duration(e.Duration))
	if e.Route != "" {
		fmt.Fprintf(&b, " %s %s", sym.Arrow, e.Route)
	}
	return b.String()
}

// Container names a Durable Object's container: "Container/abc123".
func Container(e events.Event) string {
	id := e.ObjectID
	if len(id) > 12 {
		id = id[:12]
	}
	switch {
	case e.Class == "":
		return id
	case id == "":
		return e.Class
	}
	return e.Class + "/" + id
}
