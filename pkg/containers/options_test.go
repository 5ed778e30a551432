package containers

import (
	"testing"

	"github.com/valet-dev/valet/pkg/engine"
)

// A deployed edge runs two managers of one app at once (old and new
// version): their containers' names differ by NameSuffix, and their extra
// labels never override the ones valet finds its containers by.
func TestNameSuffixAndLabels(t *testing.T) {
	if got := containerName("My App", "Box", "0123456789abcdef", ""); got != "valet-my-app-box-0123456789ab" {
		t.Errorf("dev name %q", got)
	}
	if got := containerName("app", "Box", "0123456789abcdef", "v1/2"); got != "valet-app-box-0123456789ab-v1-2" {
		t.Errorf("suffixed name %q", got)
	}
	m := New(Options{App: "app", Session: "s1", NameSuffix: "x",
		Labels: map[string]string{"dev.valet.role": "durable", engine.LabelApp: "other"}})
	defer m.cancel()
	l := m.labels("Box", "id1")
	if l["dev.valet.role"] != "durable" || l[engine.LabelApp] != "app" || l[engine.LabelSession] != "s1" || l[LabelDev] != "" {
		t.Errorf("labels %v", l)
	}
}
