package deploy

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"

	"github.com/valet-dev/valet/pkg/engine"
)

// EnvEdgeBinary names a linux valet binary to run in the edge container
// instead of the running one (macOS, or a dynamically linked build).
const EnvEdgeBinary = "VALET_EDGE_BINARY"

// EdgeRepo is the repository of edge images; the tag is the binary's hash,
// so a host keeps one image per valet release it has run.
const EdgeRepo = "valet-edge"

const edgeDockerfile = `FROM scratch
COPY valet /valet
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENTRYPOINT ["/valet", "edge", "serve"]
`

// caBundles are where Debian, Fedora and Alpine keep the system roots; the
// worker's fetch() to https needs them in the scratch image.
var caBundles = []string{"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"}

// EdgeBinary returns the binary to put in the edge image: $VALET_EDGE_BINARY
// or the running valet, checked to be a static linux executable.
func EdgeBinary(explicit string) (string, error) {
	p := explicit
	if p == "" {
		p = os.Getenv(EnvEdgeBinary)
	}
	if p == "" {
		if runtime.GOOS != "linux" {
			return "", fmt.Errorf("the edge container runs a linux valet binary, and this one is for %s/%s\n"+
				"  Download the linux release of the same version and set %s=/path/to/valet-linux", runtime.GOOS, runtime.GOARCH, EnvEdgeBinary)
		}
		exe, err := os.Executable()
		if err != nil {
			return "", fmt.Errorf("find the valet binary: %w", err)
		}
		p = exe
	}
	if err := checkStatic(p); err != nil {
		return "", err
	}
	return p, nil
}

// checkStatic refuses what cannot run FROM scratch: not ELF, or dynamically
// linked (it would need a loader and libc the image does not have).
func checkStatic(p string) error {
	f, err := elf.Open(p)
	if err != nil {
		return fmt.Errorf("edge binary %s is not a linux executable: %w\n  Set %s to valet's linux release binary", p, err, EnvEdgeBinary)
	}
	defer f.Close()
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			return fmt.Errorf("edge binary %s is dynamically linked and cannot run in a FROM scratch image\n"+
				"  Build valet with CGO_ENABLED=0 (make build does) or set %s to the release binary", p, EnvEdgeBinary)
		}
	}
	return nil
}

// fileHash is the hex sha256 of a file.
func fileHash(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ensureEdgeImage returns the edge image's reference on e, building it there
// from bin (a two-file context) when missing. sent counts the bytes sent.
func ensureEdgeImage(ctx context.Context, e *engine.Engine, bin string) (ref string, built bool, sent int64, err error) {
	hash, err := fileHash(bin)
	if err != nil {
		return "", false, 0, fmt.Errorf("edge binary: %w", err)
	}
	ref = EdgeRepo + ":" + hash[:12]
	if _, ok, err := e.ImageExists(ctx, ref); err != nil || ok {
		return ref, false, 0, err
	}
	pr, pw := io.Pipe()
	cw := &countWriter{w: pw}
	go func() { pw.CloseWithError(writeEdgeContext(cw, bin)) }()
	resp, err := e.Client().ImageBuild(ctx, pr, client.ImageBuildOptions{
		Tags: []string{ref}, Remove: true, ForceRemove: true, Version: build.BuilderV1,
		Labels: map[string]string{engine.LabelManaged: "true", LabelRole: "edge"},
	})
	if err != nil {
		pr.Close()
		return "", false, 0, fmt.Errorf("build the edge image on %s: %w", e.Host(), err)
	}
	defer resp.Body.Close()
	if err := engine.DecodeStream(resp.Body, func(m engine.StreamMessage) error { return m.Err() }); err != nil {
		return "", false, 0, fmt.Errorf("build the edge image on %s: %w", e.Host(), err)
	}
	if _, ok, err := e.ImageExists(ctx, ref); err != nil || !ok {
		return "", false, 0, errors.Join(fmt.Errorf("build the edge image on %s: no image after the build", e.Host()), err)
	}
	return ref, true, cw.n, nil
}

func writeEdgeContext(w io.Writer, bin string) error {
	tw := tar.NewWriter(w)
	add := func(name string, mode int64, r io.Reader, size int64) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: size, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err := io.Copy(tw, r)
		return err
	}
	if err := add("Dockerfile", 0o644, stringReader(edgeDockerfile), int64(len(edgeDockerfile))); err != nil {
		return err
	}
	f, err := os.Open(bin)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if err := add("valet", 0o755, f, fi.Size()); err != nil {
		return err
	}
	ca := []byte{}
	for _, p := range caBundles {
		if b, err := os.ReadFile(p); err == nil {
			ca = b
			break
		}
	}
	if err := add("ca-certificates.crt", 0o644, bytesReader(ca), int64(len(ca))); err != nil {
		return err
	}
	return tw.Close()
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
