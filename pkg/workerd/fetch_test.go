package workerd

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fakePackage(t *testing.T, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	name := "package/bin/" + exeName()
	_ = tw.WriteHeader(&tar.Header{Name: "package/package.json", Mode: 0o644, Size: 2, Typeflag: tar.TypeReg})
	_, _ = tw.Write([]byte("{}"))
	_ = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(content)), Typeflag: tar.TypeReg})
	_, _ = tw.Write([]byte(content))
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func sri(b []byte) string {
	s := sha512.Sum512(b)
	return "sha512-" + base64.StdEncoding.EncodeToString(s[:])
}

// registry serves one package version; token, when set, is required.
func registry(t *testing.T, tgz []byte, integrity, token string) *httptest.Server {
	t.Helper()
	plat, _ := platformPackage()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token != "" && r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch {
		case strings.HasSuffix(r.URL.Path, ".tgz"):
			_, _ = w.Write(tgz)
		case strings.HasSuffix(r.URL.Path, "/@cloudflare/"+plat) || strings.HasSuffix(r.URL.Path, "%2f"+plat):
			doc := map[string]any{"versions": map[string]any{"1.2.3": map[string]any{"dist": map[string]any{
				"tarball": srv.URL + "/@cloudflare/" + plat + "/-/" + plat + "-1.2.3.tgz", "integrity": integrity,
			}}}}
			_ = json.NewEncoder(w).Encode(doc)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestFetchVerifiesAndInstalls(t *testing.T) {
	tgz := fakePackage(t, "#!/bin/sh\necho workerd\n")
	srv := registry(t, tgz, sri(tgz), "")
	dest := filepath.Join(t.TempDir(), "1.2.3", "workerd")
	fetch := FetchWith(FetchOptions{Getenv: env(map[string]string{"npm_config_registry": srv.URL + "/", "HOME": t.TempDir()})})
	if err := fetch("1.2.3", dest); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(dest)
	if err != nil || string(b) != "#!/bin/sh\necho workerd\n" {
		t.Fatalf("installed %q, %v", b, err)
	}
	if st, _ := os.Stat(dest); st.Mode()&0o100 == 0 {
		t.Errorf("not executable: %v", st.Mode())
	}
}

func TestFetchRefusesATamperedPackage(t *testing.T) {
	tgz := fakePackage(t, "real")
	srv := registry(t, fakePackage(t, "tampered"), sri(tgz), "")
	dir := t.TempDir()
	dest := filepath.Join(dir, "workerd")
	err := FetchWith(FetchOptions{Getenv: env(map[string]string{"npm_config_registry": srv.URL, "HOME": dir})})("1.2.3", dest)
	if err == nil || !strings.Contains(err.Error(), "integrity check failed") {
		t.Fatalf("want an integrity error, got %v", err)
	}
	if _, err := os.Stat(dest); !os.IsNotExist(err) {
		t.Errorf("a refused download was installed (%v)", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".workerd-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestFetchUsesTheProjectNpmrcScopeAndToken(t *testing.T) {
	tgz := fakePackage(t, "bin")
	srv := registry(t, tgz, sri(tgz), "s3cret")
	project := t.TempDir()
	host := strings.TrimPrefix(srv.URL, "http:")
	npmrc := "@cloudflare:registry=" + srv.URL + "/\n" + host + "/:_authToken=${NPM_TOKEN}\n"
	if err := os.WriteFile(filepath.Join(project, ".npmrc"), []byte(npmrc), 0o644); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "workerd")
	// The default registry is unreachable: only the scoped one can answer.
	e := env(map[string]string{"npm_config_registry": "http://127.0.0.1:1/", "HOME": t.TempDir(), "NPM_TOKEN": "s3cret"})
	if err := FetchWith(FetchOptions{Dir: project, Getenv: e})("1.2.3", dest); err != nil {
		t.Fatal(err)
	}
	e = env(map[string]string{"npm_config_registry": "http://127.0.0.1:1/", "HOME": t.TempDir(), "NPM_TOKEN": "wrong"})
	err := FetchWith(FetchOptions{Dir: project, Getenv: e})("1.2.3", filepath.Join(t.TempDir(), "w"))
	if err == nil || !strings.Contains(err.Error(), "credentials") {
		t.Fatalf("want a credentials error, got %v", err)
	}
}

func TestFetchFromTheRealRegistry(t *testing.T) {
	if testing.Short() {
		t.Skip("downloads 60 MB")
	}
	dest := filepath.Join(t.TempDir(), "workerd")
	var last int64
	fetch := FetchWith(FetchOptions{Progress: func(done, _ int64) { last = done }})
	if err := fetch(PinnedVersion, dest); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dest)
	if err != nil || st.Size() < 50<<20 {
		t.Fatalf("installed %v %v", st, err)
	}
	if last == 0 {
		t.Error("no progress reported")
	}
}

func TestFetchGoesThroughNpmsProxy(t *testing.T) {
	tgz := fakePackage(t, "bin")
	plat, _ := platformPackage()
	var seen []string
	// A forward proxy: it gets absolute URLs of a registry only it can reach.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.URL.String())
		switch {
		case r.URL.Host != "registry.invalid":
			http.Error(w, "unknown host", http.StatusBadGateway)
		case strings.HasSuffix(r.URL.Path, ".tgz"):
			_, _ = w.Write(tgz)
		default:
			_ = json.NewEncoder(w).Encode(map[string]any{"versions": map[string]any{"1.2.3": map[string]any{"dist": map[string]any{
				"tarball": "http://registry.invalid/@cloudflare/" + plat + "/-/" + plat + "-1.2.3.tgz", "integrity": sri(tgz),
			}}}})
		}
	}))
	t.Cleanup(proxy.Close)
	home := t.TempDir()
	npmrc := "registry=http://registry.invalid/\nproxy=" + proxy.URL + "\n"
	if err := os.WriteFile(filepath.Join(home, ".npmrc"), []byte(npmrc), 0o644); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "workerd")
	if err := FetchWith(FetchOptions{Getenv: env(map[string]string{"HOME": home})})("1.2.3", dest); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 {
		t.Errorf("the proxy saw %q, want the packument and the tarball", seen)
	}
}

func TestNpmAuthHeader(t *testing.T) {
	c := &npmConfig{auth: map[string]string{
		"//npm.example.com/:_authToken":                   "top",
		"//npm.example.com/private/:_authToken":           "deeper",
		"//basic.example.com/:_auth":                      "dXNlcjpwYXNz",
		"//pw.example.com/repo/:username":                 "user",
		"//pw.example.com/repo/:_password":                "cGFzcw==", // "pass"
		"//both.example.com/:_auth":                       "YmFzaWM=",
		"//both.example.com/:_authToken":                  "token",
		"//npm.example.com.evil.example/:_authToken":      "never",
		"//other.example.com/only/this/path/:_authToken":  "path",
		"//other.example.com/only/this/path/:_authToken2": "ignored",
	}}
	for u, want := range map[string]string{
		"https://npm.example.com/@cloudflare%2fworkerd-linux-64":     "Bearer top",
		"https://npm.example.com/private/workerd/-/workerd-1.tgz":    "Bearer deeper",
		"https://basic.example.com/x":                                "Basic dXNlcjpwYXNz",
		"https://pw.example.com/repo/x":                              "Basic dXNlcjpwYXNz",
		"https://both.example.com/x":                                 "Bearer token",
		"https://other.example.com/elsewhere":                        "",
		"https://npm.example.com.evil.example.net/x":                 "",
		"https://other.example.com/only/this/path/workerd-1.0.0.tgz": "Bearer path",
	} {
		if got := c.authHeader(u); got != want {
			t.Errorf("authHeader(%s) = %q, want %q", u, got, want)
		}
	}
}
