package containers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/build"
	"github.com/valet-dev/valet/pkg/bundle"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/workerd/workerdtest"
)

// reference runs the project on workerd itself, as `wrangler dev` does: the
// same bundle, its Durable Object classes with containers[] given to
// workerd's own Docker container client, on the same engine and images.
// That client wants its networking sidecar (cloudflare/proxy-everything,
// which cannot be pulled here); a stand-in built from testdata answers what
// the client asks of it. The server stops, and its containers go, when the
// test ends.
func (p *project) reference(t *testing.T) *server {
	t.Helper()
	cp := p.load(t, "")
	c := cp.Config
	w, err := bundle.Worker(build.WorkerOptions(&build.Inputs{Project: cp}, ""))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "worker.js"), w.Script, 0o644); err != nil {
		t.Fatal(err)
	}
	images := map[string]string{}
	for _, ct := range c.Containers {
		res, err := build.Image(context.Background(), p.e, cp, ct, build.OwnPaths(cp), events.NewEmitter(nil))
		if err != nil {
			t.Fatalf("image of %s: %v", ct.ClassName, err)
		}
		images[ct.ClassName] = res.ID
	}
	sidecar := enginetest.GoImage(t, p.e, "proxy-everything", filepath.Join(testdata, "conformance/containers/proxy-everything"))
	session := fmt.Sprintf("valet-ref-%d", time.Now().UnixNano())

	date := c.CompatibilityDate
	if date == "" {
		date = time.Now().UTC().Format("2006-01-02")
	}
	var classes []string
	for cl := range images {
		classes = append(classes, cl)
	}
	for _, cl := range c.ExportedClasses() {
		if _, ok := images[cl]; !ok {
			classes = append(classes, cl)
		}
	}
	if c.DurableObjects != nil {
		for _, b := range c.DurableObjects.Bindings {
			if _, ok := images[b.ClassName]; !ok && !slices.Contains(classes, b.ClassName) {
				classes = append(classes, b.ClassName)
			}
		}
	}
	sort.Strings(classes)
	var ns, bindings []string
	for _, cl := range classes {
		n := fmt.Sprintf("(className = %q, uniqueKey = %q, enableSql = true", cl, "ref-"+cl)
		if img, ok := images[cl]; ok {
			n += fmt.Sprintf(", container = (imageName = %q)", img)
		}
		ns = append(ns, n+")")
	}
	if c.DurableObjects != nil {
		for _, b := range c.DurableObjects.Bindings {
			bindings = append(bindings, fmt.Sprintf("(name = %q, durableObjectNamespace = %q)", b.Name, b.ClassName))
		}
	}
	for k, v := range c.Vars {
		bindings = append(bindings, fmt.Sprintf("(name = %q, json = %q)", k, mustJSON(t, v)))
	}
	flags := make([]string, len(c.CompatibilityFlags))
	for i, f := range c.CompatibilityFlags {
		flags[i] = strconv.Quote(f)
	}
	socket := strings.TrimPrefix(p.e.Host(), "unix://")
	capnp := `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .w), (name = "internet", network = (allow = ["public", "private", "local"])) ],
  sockets = [ (name = "http", http = (), service = "main") ],
);
const w :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "` + date + `",
  compatibilityFlags = [` + strings.Join(flags, ", ") + `],
  durableObjectNamespaces = [` + strings.Join(ns, ", ") + `],
  durableObjectStorage = (inMemory = void),
  bindings = [` + strings.Join(bindings, ", ") + `],
  globalOutbound = "internet",
  containerEngine = (localDocker = (socketPath = "unix:` + socket + `", containerEgressInterceptorImage = "` + sidecar + `", sessionId = "` + session + `")),
);
`
	if err := os.WriteFile(filepath.Join(dir, "config.capnp"), []byte(capnp), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	_ = ln.Close() // f keeps the socket: requests wait in its backlog until workerd serves
	var logs bytes.Buffer
	cmd := exec.Command(workerdtest.Binary(t), "serve", "--experimental", "--socket-fd", "http=3", "config.capnp")
	cmd.Dir = dir
	cmd.ExtraFiles = []*os.File{f}
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("workerd (the reference) said:\n%s", logs.String())
		}
		// workerd removes its containers when their objects go; a killed
		// workerd leaves them: remove them by its session label.
		if _, err := p.e.Sweep(context.Background(), map[string]string{"dev.workerd.session": session}); err != nil {
			t.Errorf("remove the reference's containers: %v", err)
		}
	})
	return &server{url: url}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
