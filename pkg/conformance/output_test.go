package conformance

import (
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/events"
)

// TestDevOutput checks what wrangler's tests read from `wrangler dev`'s
// output, as valet's events: the ready line with the URL, the worker's
// console.log lines, the .dev.vars note, and one event per request.
func TestDevOutput(t *testing.T) {
	d := startDev(t, "assets-worker", "")
	var ready events.Event
	for _, e := range d.rec.Events() {
		if e.Kind == events.Ready {
			ready = e
		}
	}
	if ready.URL != d.url {
		t.Errorf("ready URL = %q, want %q", ready.URL, d.url)
	}
	d.get(t, "/no-assets-here")
	d.get(t, "/")
	var saw struct{ worker, asset, secrets bool }
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && !(saw.worker && saw.asset) {
		for _, e := range d.rec.Events() {
			switch {
			case e.Kind == events.Request && e.Path == "/no-assets-here" && e.Status == 200 && e.Route == "worker":
				saw.worker = true
			case e.Kind == events.Request && e.Path == "/" && e.Status == 200 && e.Route == "asset":
				saw.asset = true
			case e.Kind == events.Info && strings.Contains(e.Message, ".dev.vars") && strings.Contains(e.Message, "SECRET_TOKEN"):
				saw.secrets = true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !saw.worker || !saw.asset {
		t.Errorf("request events: worker %v, asset %v", saw.worker, saw.asset)
	}
	if !saw.secrets {
		t.Error("no info event naming .dev.vars and its keys (never their values)")
	}
}
