package workerd

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s:\n%s", name, path, got)
	}
}

func clusterConfig(c *Cluster) *Config {
	return &Config{
		Service:           "app",
		CompatibilityDate: "2025-06-01",
		Modules:           []Module{{Name: "worker.js", Type: "esModule", Path: "/run/v1/worker.js"}},
		DurableObjects:    []DurableObjectClass{{Class: "Counter", UniqueKey: "app-Counter", SQL: true}},
		DurableStorage:    "/state/do",
		Cluster:           c,
	}
}

func TestRenderCluster(t *testing.T) {
	c := &Cluster{
		Bucket:            "s3://valet-state/app",
		Endpoint:          "http://10.0.0.5:9000",
		Region:            "auto",
		CredentialsFile:   "/state/secrets/bucket-credentials",
		Address:           "10.0.0.1:7000",
		Advertise:         "10.0.0.1:7000",
		Key:               strings.Repeat("k", 64),
		StopTimeout:       12 * time.Second,
		UnsafeTimeDivisor: 10,
	}
	text, err := clusterConfig(c).Render("/run/v1")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "cluster", text)

	// workerd's defaults are left to workerd; what is not set is not written.
	text, err = clusterConfig(&Cluster{Bucket: "gs://valet-state", Key: strings.Repeat("k", 32)}).Render("/run/v1")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "cluster-minimal", text)
}

func TestRenderClusterRefuses(t *testing.T) {
	key := strings.Repeat("k", 32)
	for _, tc := range []struct {
		c    Cluster
		want string
	}{
		{Cluster{Bucket: "valet-state", Key: key}, "not s3://bucket"},
		{Cluster{Bucket: "s3://", Key: key}, "not s3://bucket"},
		{Cluster{Bucket: "http://valet-state", Key: key}, "not s3://bucket"},
		{Cluster{Bucket: "s3://b", Key: key[:31]}, "31 bytes; it needs at least 32"},
		{Cluster{Bucket: "gs://b", Key: key, Region: "auto"}, "gs:// bucket takes no endpoint"},
	} {
		_, err := clusterConfig(&tc.c).Render("/run/v1")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: want an error with %q, got %v", tc.c, tc.want, err)
		}
	}
}
