package enginetest

import (
	"context"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/valet-dev/valet/pkg/engine"
)

func TestStartDaemonExtraFlags(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a dockerd")
	}
	d := StartDaemon(t, "--label", "dev.valet.test-daemon=yes")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e, err := engine.Connect(ctx, engine.Options{Host: d.Host})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	info, err := e.Client().Info(ctx, client.InfoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range info.Info.Labels {
		found = found || l == "dev.valet.test-daemon=yes"
	}
	if !found {
		t.Errorf("the extra flag did not reach dockerd: labels %v", info.Info.Labels)
	}
}
