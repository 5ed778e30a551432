package workerd

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/valet-dev/valet/pkg/events"
)

// FetchOptions configure a download of workerd through the npm registry.
type FetchOptions struct {
	// Dir is the project directory, whose .npmrc npm would read.
	Dir string
	// Getenv reads the environment; default os.Getenv.
	Getenv func(string) string
	// Client is the HTTP client; default: one with npm's proxy and cafile
	// settings and a 10 minute timeout.
	Client *http.Client
	// Progress is told the bytes downloaded so far and the total (0 when
	// unknown).
	Progress func(done, total int64)
}

// FetchFromRegistry returns Locate's Fetch: it downloads workerd's npm
// package for this platform through the registry that npm's configuration
// of dir names, as `npm install` would.
func FetchFromRegistry(dir string) func(version, dest string) error {
	return FetchWith(FetchOptions{Dir: dir})
}

// FetchWith is FetchFromRegistry with options.
func FetchWith(opts FetchOptions) func(version, dest string) error {
	return func(version, dest string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		return fetch(ctx, opts, version, dest)
	}
}

func fetch(ctx context.Context, opts FetchOptions, version, dest string) error {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	plat, err := platformPackage()
	if err != nil {
		return err
	}
	pkg := "@cloudflare/" + plat
	cfg := loadNPMConfig(opts.Dir, getenv)
	client := opts.Client
	if client == nil {
		if client, err = cfg.client(); err != nil {
			return err
		}
	}
	reg := cfg.registryFor(pkg)
	dist, err := packageDist(ctx, client, cfg, reg, pkg, version)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, dist.Tarball, nil)
	if err != nil {
		return fmt.Errorf("%s@%s: tarball URL %q: %w", pkg, version, dist.Tarball, err)
	}
	if a := cfg.authHeader(dist.Tarball); a != "" {
		req.Header.Set("Authorization", a)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("download %s: %w", dist.Tarball, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("download %s: %s", dist.Tarball, resp.Status)
	}
	check, err := newIntegrity(dist.Integrity)
	if err != nil {
		return fmt.Errorf("%s@%s: %w", pkg, version, err)
	}
	body := io.TeeReader(&progressReader{r: resp.Body, total: resp.ContentLength, fn: opts.Progress}, check)
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return fmt.Errorf("workerd cache: %w", err)
	}
	// Extract to a temporary file beside dest, check the tarball's
	// integrity once all of it was read, and only then rename: a valet
	// running at the same time never sees a half-written or unverified
	// binary.
	tmp, err := os.CreateTemp(filepath.Dir(dest), ".workerd-*")
	if err != nil {
		return fmt.Errorf("workerd cache: %w", err)
	}
	defer os.Remove(tmp.Name())
	found, err := extractBinary(body, tmp, "package/bin/"+exeName())
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s@%s: %w", pkg, version, err)
	}
	// Read what the tar reader left, so the digest covers the whole file.
	if _, err := io.Copy(io.Discard, body); err != nil {
		return fmt.Errorf("download %s: %w", dist.Tarball, err)
	}
	if !found {
		return fmt.Errorf("%s@%s: the package has no bin/%s", pkg, version, exeName())
	}
	if err := check.verify(); err != nil {
		return fmt.Errorf("%s@%s from %s: %w", pkg, version, dist.Tarball, err)
	}
	if err := os.Chmod(tmp.Name(), 0o755); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return fmt.Errorf("workerd cache: %w", err)
	}
	return nil
}

type distInfo struct {
	Tarball   string `json:"tarball"`
	Integrity string `json:"integrity"`
	Shasum    string `json:"shasum"`
}

// packageDist reads the version's dist from the registry's packument.
func packageDist(ctx context.Context, client *http.Client, cfg *npmConfig, reg, pkg, version string) (*distInfo, error) {
	u := reg + strings.Replace(url.PathEscape(pkg), "%40", "@", 1)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("registry %s: %w", reg, err)
	}
	// The abbreviated packument is what npm asks for: much smaller.
	req.Header.Set("Accept", "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8")
	if a := cfg.authHeader(u); a != "" {
		req.Header.Set("Authorization", a)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("registry %s: %w", reg, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, fmt.Errorf("registry %s refused %s (%s): check the credentials in your .npmrc", reg, pkg, resp.Status)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("registry %s: %s for %s", reg, resp.Status, pkg)
	}
	var doc struct {
		Versions map[string]struct {
			Dist distInfo `json:"dist"`
		} `json:"versions"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("registry %s: read %s: %w", reg, pkg, err)
	}
	v, ok := doc.Versions[version]
	if !ok || v.Dist.Tarball == "" {
		return nil, fmt.Errorf("registry %s has no %s@%s", reg, pkg, version)
	}
	if v.Dist.Integrity == "" && v.Dist.Shasum == "" {
		return nil, fmt.Errorf("registry %s gives no integrity for %s@%s", reg, pkg, version)
	}
	if v.Dist.Integrity == "" {
		v.Dist.Integrity = "sha1-hex-" + v.Dist.Shasum
	}
	return &v.Dist, nil
}

// integrity checks a download against npm's Subresource Integrity string.
type integrity struct {
	hash.Hash
	want string
	algo string
}

func newIntegrity(sri string) (*integrity, error) {
	// Several hashes may be given; the strongest valet knows is sha512.
	for _, part := range strings.Fields(sri) {
		if algo, sum, ok := strings.Cut(part, "-"); ok && algo == "sha512" {
			return &integrity{Hash: sha512.New(), want: sum, algo: algo}, nil
		}
	}
	return nil, fmt.Errorf("no sha512 integrity to check the download against (got %q)", sri)
}

func (c *integrity) verify() error {
	got := base64.StdEncoding.EncodeToString(c.Sum(nil))
	if got != c.want {
		return fmt.Errorf("integrity check failed: the download's %s is %s, the registry says %s", c.algo, got, c.want)
	}
	return nil
}

// extractBinary copies the tar.gz member named name to w.
func extractBinary(r io.Reader, w io.Writer, name string) (bool, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return false, fmt.Errorf("read package: %w", err)
	}
	tr := tar.NewReader(gz)
	found := false
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return false, fmt.Errorf("read package: %w", err)
		}
		if h.Name == name && h.Typeflag == tar.TypeReg {
			if _, err := io.Copy(w, tr); err != nil {
				return false, fmt.Errorf("read package: %w", err)
			}
			found = true
		}
	}
	// The gzip stream's end, so that all of it went through the digest.
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return false, err
	}
	return found, nil
}

type progressReader struct {
	r     io.Reader
	done  int64
	total int64
	fn    func(done, total int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.done += int64(n)
	if p.fn != nil && n > 0 {
		p.fn(p.done, p.total)
	}
	return n, err
}

// Find locates workerd for the project in dir as Locate does, fetching the
// version it needs through the npm registry when missing, with the download
// shown as a step with progress on em.
func Find(dir string, em *events.Emitter) (*Binary, error) {
	var last int64
	fetch := func(version, dest string) error {
		step := "workerd " + version
		return em.Step(step, func() error {
			err := FetchWith(FetchOptions{Dir: dir, Progress: func(done, total int64) {
				// One event per MiB is plenty for a progress bar.
				if done-last >= 1<<20 || done == total {
					last = done
					em.Emit(events.Event{Kind: events.Progress, Step: step, Bytes: done, Total: total})
				}
			}})(version, dest)
			if err != nil {
				// The step's line is all the user sees of it: with the hint.
				return fetchFailed(version, err)
			}
			return nil
		})
	}
	b, err := Locate(LocateOptions{Dir: dir, Fetch: fetch})
	if err == nil && b.Note != "" {
		em.Warn(b.Note + "; valet runs workerd " + b.Version + " from its cache meanwhile")
	}
	return b, err
}
