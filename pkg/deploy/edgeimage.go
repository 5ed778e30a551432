package deploy

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/valet-dev/valet/pkg/engine"
)

// EnvEdgeBinary names a linux valet binary to run in the edge container
// instead of the running one (macOS, or a dynamically linked build).
const EnvEdgeBinary = "VALET_EDGE_BINARY"

// EdgeRepo is the repository of edge images: valet's binary on top of a
// runtime image (RuntimeRepo). The tag hashes both, so a host keeps one
// image per valet release and workerd it has run, and a new valet release
// sends only valet's binary.
const EdgeRepo = "valet-edge"

func edgeDockerfile(runtimeRef string) string {
	return "FROM " + runtimeRef + "\nCOPY valet /valet\nENTRYPOINT [\"/valet\", \"edge\", \"serve\"]\n"
}

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

// checkMachine refuses a valet binary that is not for the host's arch.
func checkMachine(p, arch string) error {
	f, err := elf.Open(p)
	if err != nil {
		return fmt.Errorf("edge binary %s is not a linux executable: %w\n  Set %s to valet's linux release binary", p, err, EnvEdgeBinary)
	}
	defer f.Close()
	if f.Machine != elfMachines[arch] {
		return fmt.Errorf("edge binary %s is built for %s, and the host is linux/%s\n  Set %s to valet's release binary for linux/%s", p, f.Machine, arch, EnvEdgeBinary, arch)
	}
	return nil
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

// ensureEdgeImage returns the edge image's reference on e, building it
// there FROM runtimeRef (already on e) with bin when missing. sent counts
// the bytes sent.
func ensureEdgeImage(ctx context.Context, e *engine.Engine, bin, runtimeRef string) (ref string, built bool, sent int64, err error) {
	hash, err := fileHash(bin)
	if err != nil {
		return "", false, 0, fmt.Errorf("edge binary: %w", err)
	}
	sum := sha256.Sum256([]byte(hash + "\n" + runtimeRef))
	ref = EdgeRepo + ":" + hex.EncodeToString(sum[:6])
	if _, ok, err := e.ImageExists(ctx, ref); err != nil || ok {
		return ref, false, 0, err
	}
	sent, err = buildImage(ctx, e, ref, "edge", remoteEngine(e), func(tw *tar.Writer) error {
		if err := writeTarFile(tw, "Dockerfile", 0o644, []byte(edgeDockerfile(runtimeRef))); err != nil {
			return err
		}
		return copyFileMode(tw, "valet", bin, 0o755)
	})
	if err != nil {
		return "", false, 0, fmt.Errorf("build the edge image on %s: %w", e.Host(), err)
	}
	return ref, true, sent, nil
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
