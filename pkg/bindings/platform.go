package bindings

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/valet-dev/valet/pkg/workerd"
)

// The kinds of this file's siblings (hyperdrive.go, ratelimit.go, ...)
// stand for Cloudflare platform services. What they keep (the email
// outbox, Analytics Engine points, Secrets Store values) lives under
// PersistTo, beside the app's other local data.

// localDir returns PersistTo/<name>, created if missing: workerd refuses a
// disk service whose directory is not there.
func localDir(ctx Context, name, what string) (string, error) {
	if ctx.PersistTo == "" {
		return "", fmt.Errorf("%s needs a directory for its local data (PersistTo)", what)
	}
	dir := filepath.Join(ctx.PersistTo, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	return dir, nil
}

// diskDir is a disk service on dir.
func diskDir(name, dir string, writable bool) workerd.Service {
	return workerd.Service{Name: name, Value: "disk = " + workerd.NewStruct().Text("path", dir).Bool("writable", writable).String()}
}

// entrypointWorker is a service running one module of valet's, whose
// bindings are given.
func entrypointWorker(name, module, source string, bindings ...string) workerd.Service {
	w := workerd.NewStruct().
		Set("modules", workerd.List(workerd.NewStruct().Text("name", module).Text("esModule", source).String())).
		// RPC to entrypoints and ctx.props need 2024-04-03 or later.
		Text("compatibilityDate", "2025-06-01")
	if len(bindings) > 0 {
		w.Set("bindings", workerd.List(bindings...))
	}
	return workerd.Service{Name: name, Value: "worker = " + w.String()}
}
