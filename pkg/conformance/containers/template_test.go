package containers

import (
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/internal/testenv"
	"github.com/valet-dev/valet/pkg/scaffold"
)

// TestContainerAppTemplate: valet's reference app, the container-app
// template, scaffolded as `valet init` does: under valet dev its
// /api/health is answered by the backend in its container (the worker
// starts it in the object's constructor and retries while it comes up).
func TestContainerAppTemplate(t *testing.T) {
	if testing.Short() {
		t.Skip("installs the template's npm dependencies")
	}
	p := &project{dir: filepath.Join(t.TempDir(), "app"), e: enginetest.Connect(t)}
	_, err := scaffold.Create(context.Background(), scaffold.Options{Dir: p.dir, Name: "ctr-template", Template: "container-app", Install: true})
	if err != nil {
		testenv.Missing(t, "scaffold container-app (npm registry unreachable?): %v", err)
	}
	s := p.dev(t)
	var health struct {
		Status     string `json:"status"`
		APIVersion string `json:"api_version"`
		Hostname   string `json:"hostname"`
	}
	body := s.text(t, "/api/health")
	if err := json.Unmarshal([]byte(body), &health); err != nil {
		t.Fatalf("/api/health = %q: %v", body, err)
	}
	// The hostname is the container's: its ID's first 12 digits.
	if health.Status != "ok" || health.APIVersion != "v1" || !regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(health.Hostname) {
		t.Fatalf("/api/health = %s", body)
	}
	if n := p.running(t, "ctr-template"); n != 1 {
		t.Fatalf("%d containers run, want the backend's", n)
	}
}
