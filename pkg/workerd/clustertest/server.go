package clustertest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/internal/testenv"
)

// Region is the region the server answers for.
const Region = "us-east-1"

// Binary returns the S3 server for tests: $VALET_S3_SERVER (.ci/test builds
// it once per run with .ci/s3server.go), else the one in the cache, built
// there now if missing (a few minutes, once). A server that cannot be had
// fails the test under CI and skips it elsewhere.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("VALET_S3_SERVER"); p != "" {
		if _, err := os.Stat(p); err != nil {
			testenv.Missing(t, "VALET_S3_SERVER=%s: %v", p, err)
		}
		return p
	}
	cache, err := CacheDir()
	if err != nil {
		testenv.Missing(t, "%v", err)
	}
	if p, ok := Cached(cache); ok {
		return p
	}
	t.Logf("building the S3 server %s@%s into %s (once)", command, Version, cache)
	p, err := Build(context.Background(), BuildOptions{CacheDir: cache})
	if err != nil {
		testenv.Missing(t, "%v\n  run `go run .ci/s3server.go` to build it, or set VALET_S3_SERVER", err)
	}
	return p
}

// Server is a running S3-compatible server holding one bucket, with
// throw-away credentials, reachable on the address it was started on
// (127.0.0.1 by default) only.
type Server struct {
	Endpoint  string // http://127.0.0.1:<port>
	Region    string
	AccessKey string
	SecretKey string
	Bucket    string
	// CredentialsFile holds AWS_ACCESS_KEY_ID= and AWS_SECRET_ACCESS_KEY=
	// lines, as workerd's aws_credentials_file reads them.
	CredentialsFile string
	// Dir is the directory behind the server: Dir/<bucket>/<key>.
	Dir string

	cmd   *exec.Cmd
	done  chan struct{}
	front *http.Server
	mu    sync.Mutex
	out   bytes.Buffer
}

// Start runs the server until the test ends. Its listener is the test's
// own (see front), so the port is known without a race.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartOn(t, "127.0.0.1")
}

// StartOn is Start listening on host: an address of this machine that
// containers reach (a test engine's bridge address), where workerd runs in
// one.
func StartOn(t testing.TB, host string) *Server {
	t.Helper()
	bin := Binary(t)
	s, err := start(bin, t.TempDir(), host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("S3 server output (last lines):\n%s", s.Output(40))
		}
	})
	return s
}

func start(bin, dir, host string) (*Server, error) {
	s := &Server{
		Region: Region, AccessKey: "VALETTEST" + strings.ToUpper(randomHex(6)), SecretKey: randomHex(20),
		Bucket: "valet-test", Dir: filepath.Join(dir, "data"), done: make(chan struct{}),
	}
	if err := os.MkdirAll(filepath.Join(s.Dir, s.Bucket), 0o755); err != nil {
		return nil, err
	}
	s.CredentialsFile = filepath.Join(dir, "credentials")
	creds := "AWS_ACCESS_KEY_ID=" + s.AccessKey + "\nAWS_SECRET_ACCESS_KEY=" + s.SecretKey + "\n"
	if err := os.WriteFile(s.CredentialsFile, []byte(creds), 0o600); err != nil {
		return nil, err
	}
	// A unix socket path is limited to about 100 bytes; a test's temp dir
	// can be longer.
	sockDir, err := os.MkdirTemp("", "valet-s3-")
	if err != nil {
		return nil, err
	}
	sock := filepath.Join(sockDir, "s3.sock")
	s.cmd = exec.Command(bin, "--access", s.AccessKey, "--secret", s.SecretKey, "--region", s.Region,
		"--port", sock, "--health", "/__health", "--quiet", "posix", s.Dir)
	s.cmd.Env = serverEnv()
	s.cmd.Stdout, s.cmd.Stderr = s, s
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(sockDir)
		return nil, fmt.Errorf("start the S3 server %s: %w", bin, err)
	}
	go func() {
		_ = s.cmd.Wait()
		os.RemoveAll(sockDir)
		close(s.done)
	}()
	upstream := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
		MaxIdleConnsPerHost: 64,
	}
	if err := s.waitHealthy(upstream); err != nil {
		s.Stop()
		return nil, err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		s.Stop()
		return nil, err
	}
	s.Endpoint = "http://" + ln.Addr().String()
	s.front = &http.Server{Handler: front(upstream), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.front.Serve(ln) }()
	return s, nil
}

// front forwards to the server unchanged (the Host header too, which the
// signatures cover), but dates each answer itself: versitygw's HTTP layer
// (fasthttp) sends a Date it refreshes once a second, up to a second old,
// and workerd's cluster, whose clock check shrinks with unsafeTimeDivisor,
// reads that as a clock off by up to a second and leaves the cluster
// ("clock off from the bucket's by 227 ms" at a divisor of 10). S3 itself
// dates its answers when it sends them.
func front(upstream http.RoundTripper) http.Handler {
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.Out.URL.Scheme = "http"
			r.Out.URL.Host = "s3"
			r.Out.Host = r.In.Host
		},
		Transport: upstream,
		ModifyResponse: func(resp *http.Response) error {
			resp.Header.Del("Date")
			return nil
		},
	}
}

// waitHealthy polls the server's health path until it answers, the server
// exits, or 30 s pass.
func (s *Server) waitHealthy(rt http.RoundTripper) error {
	deadline := time.Now().Add(30 * time.Second)
	delay := 5 * time.Millisecond
	for {
		req, _ := http.NewRequest(http.MethodGet, "http://s3/__health", nil)
		resp, err := rt.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("health: %s", resp.Status)
		}
		select {
		case <-s.done:
			return fmt.Errorf("the S3 server exited at start:\n%s", s.Output(20))
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the S3 server did not answer in 30 s: %v\n%s", err, s.Output(20))
		}
		time.Sleep(delay)
		if delay < 100*time.Millisecond {
			delay *= 2
		}
	}
}

// Stop ends the server (SIGTERM, then SIGKILL after 5 s).
func (s *Server) Stop() {
	if s.front != nil {
		_ = s.front.Close()
	}
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// Write collects the server's output.
func (s *Server) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.out.Len() > 1<<20 {
		s.out.Reset()
	}
	return s.out.Write(p)
}

// Output returns the server's last n lines.
func (s *Server) Output(n int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return tail(s.out.String(), n)
}

// URL is the bucket's URL for workerd's cluster.bucket: s3://bucket/prefix.
func (s *Server) URL(prefix string) string {
	u := "s3://" + s.Bucket
	if prefix != "" {
		u += "/" + strings.Trim(prefix, "/")
	}
	return u
}

// Do sends a signed request for key in the bucket. header may carry
// If-Match or If-None-Match; body may be nil.
func (s *Server) Do(ctx context.Context, method, key string, header http.Header, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.Endpoint+"/"+s.Bucket+"/"+strings.TrimPrefix(key, "/"), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	sign(req, body, s.AccessKey, s.SecretKey, s.Region, time.Now())
	return http.DefaultClient.Do(req)
}

// serverEnv keeps the server's settings to its command line: VGW_* and
// ROOT_* variables of the caller's environment would change them.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "VGW_") || strings.HasPrefix(kv, "ROOT_") || strings.HasPrefix(kv, "LOGFILE=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := io.ReadFull(rand.Reader, b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
