package deploy

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"

	"github.com/valet-dev/valet/pkg/edgehost"
	"github.com/valet-dev/valet/pkg/engine"
)

// Labels of the edge container, beside engine.LabelApp and LabelManaged.
const (
	LabelRole    = edgehost.LabelRole  // "edge"; edgehost.RoleDurable on the objects' containers
	LabelPort    = "dev.valet.port"    // the public port it holds
	LabelCluster = "dev.valet.cluster" // its cluster settings (clusterEdge.label)
)

// Target is one app on one host: the engine and, once found or started, the
// app's edge container.
type Target struct {
	E   *engine.Engine
	App string
	// LockRenew is how often a held lock is renewed (0: edgehost.LockRenew).
	LockRenew time.Duration
	// Private is the host's private address (deploy.hosts[].private_address).
	Private string

	mu sync.Mutex // guards edgeCID: a lock's renewal reads it while the edge is replaced
	// edgeCID is the running edge container's ID ("" until ensureEdge/attachEdge).
	edgeCID string
}

// EdgeID is the running edge container's ID, "" before one was found or started.
func (t *Target) EdgeID() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.edgeCID
}

func (t *Target) setEdge(id string) {
	t.mu.Lock()
	t.edgeCID = id
	t.mu.Unlock()
}

// VolumeName is the app's state volume on the host.
func VolumeName(app string) string { return "valet-" + engine.SafeName(app) }

// execResult is a finished `valet edge ...` inside the edge container.
type execResult struct {
	Stdout, Stderr []byte
	Code           int
}

// edge runs `valet edge args...` in the edge container over the engine
// connection and waits for it. out, when non-nil, receives its JSON answer.
func (t *Target) edge(ctx context.Context, out any, args ...string) (*execResult, error) {
	return t.edgeIn(ctx, out, nil, args...)
}

// edgeIn is edge with stdin: what the verb reads, written into the exec's
// stdin stream (never an argument or an environment variable, which the
// engine keeps and shows). When send is not nil it writes that input; the
// stream is closed once it returns.
func (t *Target) edgeIn(ctx context.Context, out any, send func(io.Writer) error, args ...string) (*execResult, error) {
	edgeID := t.EdgeID()
	if edgeID == "" {
		return nil, errors.New("no edge container on the host")
	}
	cli := t.E.Client()
	cr, err := cli.ExecCreate(ctx, edgeID, client.ExecCreateOptions{
		AttachStdout: true, AttachStderr: true, AttachStdin: send != nil,
		Cmd: append([]string{"/valet", "edge"}, args...),
	})
	if err != nil {
		return nil, fmt.Errorf("exec valet edge %s on %s: %w", args[0], t.E.Host(), err)
	}
	att, err := cli.ExecAttach(ctx, cr.ID, client.ExecAttachOptions{})
	if err != nil {
		return nil, fmt.Errorf("exec valet edge %s on %s: %w", args[0], t.E.Host(), err)
	}
	if send != nil {
		err := send(att.Conn)
		if err == nil {
			err = att.CloseWrite()
		}
		if err != nil {
			att.Close()
			return nil, fmt.Errorf("exec valet edge %s on %s: send its input: %w", args[0], t.E.Host(), err)
		}
	}
	var stdout, stderr bytes.Buffer
	_, err = stdcopy.StdCopy(&stdout, &stderr, att.Reader)
	att.Close()
	if err != nil {
		return nil, fmt.Errorf("exec valet edge %s: read output: %w", args[0], err)
	}
	res := &execResult{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	// The stream ends a moment before the engine records the exit code.
	for i := 0; ; i++ {
		ins, err := cli.ExecInspect(ctx, cr.ID, client.ExecInspectOptions{})
		if err != nil {
			return nil, fmt.Errorf("exec valet edge %s: %w", args[0], err)
		}
		if !ins.Running {
			res.Code = ins.ExitCode
			break
		}
		if i > 200 {
			return nil, fmt.Errorf("exec valet edge %s: still running after its output ended", args[0])
		}
		time.Sleep(5 * time.Millisecond)
	}
	if out != nil && len(bytes.TrimSpace(res.Stdout)) > 0 {
		if err := json.Unmarshal(res.Stdout, out); err != nil {
			return res, fmt.Errorf("valet edge %s: unexpected answer %q: %w", args[0], truncate(res.Stdout), err)
		}
	}
	return res, nil
}

// edgeOK is edge() that turns a non-zero exit into an error.
func (t *Target) edgeOK(ctx context.Context, out any, args ...string) error {
	res, err := t.edge(ctx, out, args...)
	if err != nil {
		return err
	}
	if res.Code != 0 {
		return fmt.Errorf("valet edge %s on %s exited with %d: %s", args[0], t.E.Host(), res.Code, strings.TrimSpace(string(res.Stderr)))
	}
	return nil
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// State reads state.json from the host.
func (t *Target) State(ctx context.Context) (*edgehost.State, error) {
	var st edgehost.State
	if err := t.edgeOK(ctx, &st, "state"); err != nil {
		return nil, err
	}
	return &st, nil
}

// readFile reads one file of the state volume (read-only: CopyFromContainer).
func (t *Target) readFile(ctx context.Context, p string) ([]byte, error) {
	res, err := t.E.Client().CopyFromContainer(ctx, t.EdgeID(), client.CopyFromContainerOptions{SourcePath: p})
	if err != nil {
		return nil, fmt.Errorf("read %s on %s: %w", p, t.E.Host(), err)
	}
	defer res.Content.Close()
	tr := tar.NewReader(res.Content)
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("read %s on %s: %w", p, t.E.Host(), err)
		}
		if h.Typeflag == tar.TypeReg {
			return io.ReadAll(tr)
		}
	}
}

// upload streams a tar archive (written by fill) into /state/incoming of
// the edge container.
func (t *Target) upload(ctx context.Context, fill func(*tar.Writer) error) error {
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		err := fill(tw)
		if cerr := tw.Close(); err == nil {
			err = cerr
		}
		pw.CloseWithError(err)
	}()
	_, err := t.E.Client().CopyToContainer(ctx, t.EdgeID(), client.CopyToContainerOptions{
		DestinationPath: edgehost.DefaultStateDir + "/incoming", Content: pr,
	})
	pr.CloseWithError(err)
	if err != nil {
		return fmt.Errorf("upload to %s: %w", t.E.Host(), err)
	}
	return nil
}

// publicHost is the name users reach the host by: the ssh/tcp host name,
// or localhost for a local engine.
func publicHost(engineHost string) string {
	u, err := url.Parse(engineHost)
	if err != nil || u.Scheme == "unix" || u.Scheme == "npipe" || u.Hostname() == "" {
		return "localhost"
	}
	return u.Hostname()
}

// engineSocket is the engine's unix socket path on the host (to mount into
// the edge, which starts Durable Object containers there), "" for tcp.
func engineSocket(engineHost string) string {
	u, err := url.Parse(engineHost)
	if err != nil {
		return ""
	}
	switch u.Scheme {
	case "unix":
		return u.Path
	case "ssh":
		if u.Path == "" || u.Path == "/" {
			return "/var/run/docker.sock"
		}
		return u.Path
	}
	return ""
}

func stringReader(s string) io.Reader { return strings.NewReader(s) }
func bytesReader(b []byte) io.Reader  { return bytes.NewReader(b) }
