package workerd

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Cluster is workerd's ClusterConfig (workerd.capnp): the bucket that holds
// the cluster's state, and how this instance takes part. Every instance of
// a cluster runs the same settings, but for Address and Advertise, which
// StartOptions can also give per process.
type Cluster struct {
	// Bucket is s3://bucket/prefix (S3 or an S3-compatible store) or
	// gs://bucket/prefix (Google Cloud Storage).
	Bucket string
	// Endpoint, Region and CredentialsFile are the s3:// bucket's
	// aws_endpoint, aws_region and aws_credentials_file. The credentials
	// file holds AWS_ACCESS_KEY_ID= and AWS_SECRET_ACCESS_KEY= lines, so
	// that no key is written in the config; workerd rereads it when it is
	// replaced (by rename).
	Endpoint        string
	Region          string
	CredentialsFile string
	// AccessKeyID and SecretAccessKey, when set, are the s3:// bucket's
	// credentials given to workerd through its environment
	// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, which workerd reads for a
	// setting bucketOptions leaves out), never written in its config: a
	// host keeps them as secrets. Not with CredentialsFile.
	AccessKeyID     string
	SecretAccessKey string
	// Address is where the instance listens for its peers (host:port, a
	// port of 0 for any); Advertise is the address peers reach it at when
	// that is not the one bound.
	Address   string
	Advertise string
	// Key authenticates the instances to each other: at least 32 bytes,
	// the same on every instance.
	Key string
	// StopTimeout is how long a stopping instance takes to hand its
	// objects to its peers and exit (0: workerd's 8 s).
	StopTimeout time.Duration
	// UnsafeTimeDivisor divides the lease and the stop's waits, for tests
	// only (0: 1, workerd's default).
	UnsafeTimeDivisor int
}

// minClusterKey is workerd's shortest accepted cluster key.
const minClusterKey = 32

// validate refuses what workerd would refuse at start, with valet's words.
func (c *Cluster) validate() error {
	scheme, rest, ok := strings.Cut(c.Bucket, "://")
	if !ok || (scheme != "s3" && scheme != "gs") || strings.Trim(rest, "/") == "" {
		return fmt.Errorf("workerd cluster: bucket %q is not s3://bucket[/prefix] or gs://bucket[/prefix]", c.Bucket)
	}
	if scheme == "gs" && (c.Endpoint != "" || c.Region != "" || c.CredentialsFile != "") {
		return fmt.Errorf("workerd cluster: a gs:// bucket takes no endpoint, region or credentials file (Google credentials come from GOOGLE_APPLICATION_CREDENTIALS or the metadata server)")
	}
	if len(c.Key) < minClusterKey {
		return fmt.Errorf("workerd cluster: the cluster key has %d bytes; it needs at least %d", len(c.Key), minClusterKey)
	}
	if (c.AccessKeyID != "" || c.SecretAccessKey != "") && (scheme != "s3" || c.CredentialsFile != "" || c.AccessKeyID == "" || c.SecretAccessKey == "") {
		return fmt.Errorf("workerd cluster: credentials from the environment need an s3:// bucket, both the access key id and the secret access key, and no credentials file")
	}
	if c.StopTimeout < 0 || c.UnsafeTimeDivisor < 0 {
		return fmt.Errorf("workerd cluster: negative stop timeout or time divisor")
	}
	return nil
}

// env is what the cluster adds to workerd's environment: the bucket's
// credentials, when given that way.
func (c *Cluster) env() []string {
	if c == nil || c.AccessKeyID == "" {
		return nil
	}
	return []string{"AWS_ACCESS_KEY_ID=" + c.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + c.SecretAccessKey}
}

func (c *Cluster) render() string {
	s := NewStruct().Text("bucket", c.Bucket)
	var opts []string
	if c.Endpoint != "" {
		opts = append(opts, "aws_endpoint="+c.Endpoint)
	}
	if c.Region != "" {
		opts = append(opts, "aws_region="+c.Region)
	}
	if c.CredentialsFile != "" {
		opts = append(opts, "aws_credentials_file="+c.CredentialsFile)
	}
	if len(opts) > 0 {
		s.Set("bucketOptions", Texts(opts))
	}
	if c.Address != "" {
		s.Text("address", c.Address)
	}
	if c.Advertise != "" {
		s.Text("advertise", c.Advertise)
	}
	s.Text("key", c.Key)
	if c.StopTimeout > 0 {
		s.Set("stopTimeoutMs", fmt.Sprint(c.StopTimeout.Milliseconds()))
	}
	if c.UnsafeTimeDivisor > 1 {
		s.Set("unsafeTimeDivisor", fmt.Sprint(c.UnsafeTimeDivisor))
	}
	return s.String()
}

// readControl reads workerd's control messages (--control-fd) until it
// reports the port its cluster listener bound; found receives it.
func readControl(r io.Reader, found func(port int)) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var m struct {
			Event string `json:"event"`
			Port  int    `json:"port"`
		}
		if json.Unmarshal(sc.Bytes(), &m) == nil && m.Event == "listen-cluster" && m.Port > 0 {
			found(m.Port)
		}
	}
}

// probeHost is the host to reach a listener bound to addr's host from this
// machine: a wildcard is reached on loopback.
func probeHost(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" || host == "0.0.0.0" || host == "::" {
		return "127.0.0.1"
	}
	return host
}

// ClusterAddr is where this instance's cluster port answers, seen from this
// machine ("" outside cluster mode, or before workerd bound it).
func (p *Process) ClusterAddr() string {
	select {
	case <-p.clusterBound:
		return p.clusterAddr
	default:
		return ""
	}
}

// Ready asks the cluster port's readiness probe: nil when the instance
// serves, holds its lease and is not stopping (GET /ready answers 200).
func (p *Process) Ready(ctx context.Context) error {
	addr := p.ClusterAddr()
	if addr == "" {
		return fmt.Errorf("workerd cluster: no cluster port (yet)")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/ready", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("workerd cluster: readiness: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("workerd cluster: not ready: %s %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

// waitReady waits until the instance has joined its cluster: its cluster
// port bound and its readiness probe answering 200.
func (p *Process) waitReady(ctx context.Context) error {
	select {
	case <-p.clusterBound:
	case <-p.done:
		return p.err
	case <-ctx.Done():
		return fmt.Errorf("workerd cluster: the cluster port was not bound: %w", ctx.Err())
	}
	delay := 10 * time.Millisecond
	for {
		err := p.Ready(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return p.err
		case <-ctx.Done():
			return fmt.Errorf("%v (%w)", err, ctx.Err())
		case <-time.After(delay):
		}
		if delay < 200*time.Millisecond {
			delay *= 2
		}
	}
}

func clusterAddr(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(port))
}
