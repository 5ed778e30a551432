package deploy

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"

	"github.com/valet-dev/valet/pkg/edgehost"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/workerd"
)

// EnvEdgeWorkerd names the workerd binary to put in the edge image instead
// of the one valet dev runs (another architecture than this machine's).
const EnvEdgeWorkerd = "VALET_EDGE_WORKERD"

// EnvEdgeBase names a base image with glibc (debian:bookworm-slim, say) to
// build the runtime image from, where the host can pull it; by default the
// image is FROM scratch with the libraries workerd links, taken from this
// machine.
const EnvEdgeBase = "VALET_EDGE_BASE"

// RuntimeRepo is the repository of the images holding workerd and what it
// links; the edge image is built FROM one. It is tagged by workerd version
// and platform (or the binary's hash), so a host receives workerd's ~160 MB
// once per workerd version, whatever the app and the valet release.
const RuntimeRepo = "valet-workerd"

// runtimeImage is what goes into a runtime image.
type runtimeImage struct {
	Workerd *workerd.Binary
	Arch    string // GOARCH of the host: amd64, arm64
	Base    string // "" → FROM scratch + the linked libraries
}

// hostArch is the host engine's architecture as a GOARCH name.
func hostArch(ctx context.Context, e *engine.Engine) (string, error) {
	info, err := e.Client().Info(ctx, client.InfoOptions{})
	if err != nil {
		return "", fmt.Errorf("ask %s for its platform: %w", e.Host(), err)
	}
	if os := info.Info.OSType; os != "" && os != "linux" {
		return "", fmt.Errorf("the engine on %s runs %s containers; the edge needs a linux engine", e.Host(), os)
	}
	switch a := info.Info.Architecture; a {
	case "x86_64", "amd64":
		return "amd64", nil
	case "aarch64", "arm64":
		return "arm64", nil
	default:
		return "", fmt.Errorf("the host %s is %s: workerd is built for linux x86_64 and arm64 only", e.Host(), a)
	}
}

// npmArch is the architecture part of workerd's platform packages.
func npmArch(goarch string) string {
	if goarch == "amd64" {
		return "64"
	}
	return goarch
}

// npmCPU is npm's name (--cpu) of a GOARCH.
func npmCPU(goarch string) string {
	if goarch == "amd64" {
		return "x64"
	}
	return goarch
}

// edgeWorkerd finds workerd for a linux host of arch: Options.Workerd or
// $VALET_EDGE_WORKERD; else, on a linux machine of the same architecture,
// the one valet dev runs (the project's node_modules, the cache); else the
// platform's package installed beside the project's workerd.
func (o Options) edgeWorkerd(arch string) (*workerd.Binary, error) {
	explicit := o.Workerd
	if explicit == "" {
		explicit = os.Getenv(EnvEdgeWorkerd)
	}
	if explicit != "" {
		return &workerd.Binary{Path: explicit, Source: "env"}, checkELF(explicit, arch, EnvEdgeWorkerd)
	}
	dir := ""
	if o.Project != nil {
		dir = o.Project.Dir
	}
	pkg := "workerd-linux-" + npmArch(arch)
	if runtime.GOOS == "linux" && runtime.GOARCH == arch {
		b, err := workerd.Locate(workerd.LocateOptions{Dir: dir, Fetch: workerd.FetchFromRegistry(dir)})
		if err != nil {
			return nil, fmt.Errorf("the edge runs the app on workerd: %w", err)
		}
		envName := EnvEdgeWorkerd
		if b.Source == "env" {
			envName = "VALET_WORKERD"
		}
		return b, checkELF(b.Path, arch, envName)
	}
	for d := dir; d != ""; d = filepath.Dir(d) {
		p := filepath.Join(d, "node_modules", "@cloudflare", pkg, "bin", "workerd")
		if _, err := os.Stat(p); err == nil {
			return &workerd.Binary{Path: p, Source: "project"}, checkELF(p, arch, EnvEdgeWorkerd)
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return nil, fmt.Errorf("the host runs linux/%s and this machine is %s/%s: the edge needs workerd for the host\n"+
		"  Install it beside the project's: npm install --no-save --os=linux --cpu=%s @cloudflare/%s@%s\n"+
		"  or set %s to a workerd binary for linux/%s",
		arch, runtime.GOOS, runtime.GOARCH, npmCPU(arch), pkg, workerd.PinnedVersion, EnvEdgeWorkerd, arch)
}

var elfMachines = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

// checkELF refuses a binary that cannot run on a linux host of arch.
func checkELF(p, arch, env string) error {
	f, err := elf.Open(p)
	if err != nil {
		return fmt.Errorf("workerd %s is not a linux executable: %w\n  Set %s to workerd for linux/%s", p, err, env, arch)
	}
	defer f.Close()
	if f.Machine != elfMachines[arch] {
		return fmt.Errorf("workerd %s is built for %s, and the host is linux/%s\n  Set %s to workerd for linux/%s (npm package @cloudflare/workerd-linux-%s)", p, f.Machine, arch, env, arch, npmArch(arch))
	}
	return nil
}

// ref is the runtime image's reference: by npm version and platform when
// the binary came from npm (packages never change), else by its hash.
func (ri runtimeImage) ref() (string, error) {
	var tag string
	if v := ri.Workerd.Version; (ri.Workerd.Source == "project" || ri.Workerd.Source == "cache") && v != "" {
		tag = v + "-linux-" + npmArch(ri.Arch)
	} else {
		h, err := fileHash(ri.Workerd.Path)
		if err != nil {
			return "", fmt.Errorf("workerd: %w", err)
		}
		tag = "sha-" + h[:12]
	}
	if ri.Base != "" {
		sum := sha256.Sum256([]byte(ri.Base))
		tag += "-" + hex.EncodeToString(sum[:4])
	}
	return RuntimeRepo + ":" + tag, nil
}

// ensureRuntimeImage returns the runtime image's reference on e, building
// it there when missing.
func ensureRuntimeImage(ctx context.Context, e *engine.Engine, ri runtimeImage) (ref string, built bool, sent int64, err error) {
	if ref, err = ri.ref(); err != nil {
		return "", false, 0, err
	}
	if _, ok, err := e.ImageExists(ctx, ref); err != nil || ok {
		return ref, false, 0, err
	}
	files, err := ri.files()
	if err != nil {
		return "", false, 0, err
	}
	sent, err = buildImage(ctx, e, ref, "runtime", remoteEngine(e), func(tw *tar.Writer) error {
		return writeRuntimeContext(tw, ri, files)
	})
	if err != nil {
		return "", false, 0, fmt.Errorf("build the workerd image on %s: %w", e.Host(), err)
	}
	return ref, true, sent, nil
}

// rootFile is one file of the runtime image: where it goes, where it is
// read from here.
type rootFile struct {
	Dest, Src string
	Mode      int64
}

// files lists the runtime image's files: workerd, the CA bundle (workerd
// refuses to start without one), and, FROM scratch, the libraries it links.
func (ri runtimeImage) files() ([]rootFile, error) {
	out := []rootFile{{Dest: edgehost.WorkerdPath, Src: ri.Workerd.Path, Mode: 0o755}}
	ca := ""
	for _, p := range caBundles {
		if _, err := os.Stat(p); err == nil {
			ca = p
			break
		}
	}
	if ca == "" {
		return nil, fmt.Errorf("no CA bundle on this machine (looked in %s); workerd needs one in the edge image\n  Install your system's ca-certificates package", strings.Join(caBundles, ", "))
	}
	out = append(out, rootFile{Dest: "/etc/ssl/certs/ca-certificates.crt", Src: ca, Mode: 0o644})
	if ri.Base != "" {
		return out, nil
	}
	libs, err := linkedLibraries(ri.Workerd.Path, ri.Arch)
	if err != nil {
		return nil, err
	}
	return append(out, libs...), nil
}

func writeRuntimeContext(tw *tar.Writer, ri runtimeImage, files []rootFile) error {
	from := "scratch"
	if ri.Base != "" {
		from = ri.Base
	}
	df := "FROM " + from + "\nCOPY rootfs/ /\n"
	if err := writeTarFile(tw, "Dockerfile", 0o644, []byte(df)); err != nil {
		return err
	}
	if ri.Base == "" {
		// valet and workerd put their sockets under /tmp.
		if err := tw.WriteHeader(&tar.Header{Name: "rootfs/tmp/", Mode: 0o1777, Typeflag: tar.TypeDir}); err != nil {
			return err
		}
	}
	dirs := map[string]bool{}
	for _, f := range files {
		for d := path.Dir(f.Dest); d != "/" && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	for _, d := range slices.Sorted(maps.Keys(dirs)) {
		if err := tw.WriteHeader(&tar.Header{Name: "rootfs" + d + "/", Mode: 0o755, Typeflag: tar.TypeDir}); err != nil {
			return err
		}
	}
	for _, f := range files {
		if err := copyFileMode(tw, "rootfs"+f.Dest, f.Src, f.Mode); err != nil {
			return err
		}
	}
	return nil
}

func copyFileMode(tw *tar.Writer, name, src string, mode int64) error {
	fh, err := os.Open(src)
	if err != nil {
		return err
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: fi.Size(), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err = io.Copy(tw, fh)
	return err
}

// remoteEngine is an engine reached over the network: build contexts go
// gzipped (workerd compresses to a third).
func remoteEngine(e *engine.Engine) bool { return !strings.HasPrefix(e.Host(), "unix://") }

// buildImage builds ref on e from the tar context fill writes, and returns
// the bytes sent (after compression).
func buildImage(ctx context.Context, e *engine.Engine, ref, role string, compress bool, fill func(*tar.Writer) error) (int64, error) {
	pr, pw := io.Pipe()
	cw := &countWriter{w: pw}
	go func() {
		var w io.Writer = cw
		var gz *gzip.Writer
		if compress {
			gz, _ = gzip.NewWriterLevel(cw, gzip.BestSpeed)
			w = gz
		}
		tw := tar.NewWriter(w)
		err := fill(tw)
		if err == nil {
			err = tw.Close()
		}
		if err == nil && gz != nil {
			err = gz.Close()
		}
		pw.CloseWithError(err)
	}()
	resp, err := e.Client().ImageBuild(ctx, pr, client.ImageBuildOptions{
		Tags: []string{ref}, Remove: true, ForceRemove: true, Version: build.BuilderV1,
		Labels: map[string]string{engine.LabelManaged: "true", LabelRole: role},
	})
	if err != nil {
		pr.Close()
		return 0, err
	}
	defer resp.Body.Close()
	if err := engine.DecodeStream(resp.Body, func(m engine.StreamMessage) error { return m.Err() }); err != nil {
		return 0, err
	}
	if _, ok, err := e.ImageExists(ctx, ref); err != nil || !ok {
		return 0, errors.Join(errors.New("no image after the build"), err)
	}
	return cw.n, nil
}
