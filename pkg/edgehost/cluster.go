package edgehost

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/workerd"
)

// ClusterHost is how this host's edge takes part in a workerd cluster, for
// the versions whose config has deploy.cluster: each such version runs as
// one instance of the cluster, beside the other hosts' (see workerd's
// ClusterConfig). pkg/deploy sets it on the edge container (Env).
type ClusterHost struct {
	// Addr is where the instances listen for their peers, host:port. Two
	// run at once during a switch, the new one beside the one in service,
	// so a host takes two ports: a new instance listens on whichever of
	// the port and the next one the instance in service does not.
	Addr string
	// Advertise is the IP (or name) peers reach those ports at: the host's
	// private address, which the edge container publishes them on. ""
	// advertises Addr's host.
	Advertise string
	// UnsafeTimeDivisor and StopTimeout are workerd's (tests shorten the
	// lease and the handoff); 0 leaves workerd's defaults.
	UnsafeTimeDivisor int
	StopTimeout       time.Duration
}

// Environment of the edge that ServeOptions.Cluster is read from.
const (
	EnvClusterAddr      = "VALET_EDGE_CLUSTER_ADDR"
	EnvClusterAdvertise = "VALET_EDGE_CLUSTER_ADVERTISE"
	// EnvClusterTest is "divisor,stop timeout" (e.g. "5,3s"): tests only.
	EnvClusterTest = "VALET_EDGE_CLUSTER_TEST"
)

// Env is h as the edge container's environment.
func (h ClusterHost) Env() []string {
	if h.Addr == "" {
		return nil
	}
	env := []string{EnvClusterAddr + "=" + h.Addr}
	if h.Advertise != "" {
		env = append(env, EnvClusterAdvertise+"="+h.Advertise)
	}
	if h.UnsafeTimeDivisor > 0 || h.StopTimeout > 0 {
		env = append(env, fmt.Sprintf("%s=%d,%s", EnvClusterTest, h.UnsafeTimeDivisor, h.StopTimeout))
	}
	return env
}

// ClusterHostFromEnv reads what Env wrote (a zero ClusterHost when unset).
func ClusterHostFromEnv() (ClusterHost, error) {
	h := ClusterHost{Addr: os.Getenv(EnvClusterAddr), Advertise: os.Getenv(EnvClusterAdvertise)}
	if t := os.Getenv(EnvClusterTest); t != "" {
		div, stop, _ := strings.Cut(t, ",")
		n, err := strconv.Atoi(div)
		d, derr := time.ParseDuration(stop)
		if err != nil || derr != nil || n < 0 || d < 0 {
			return h, fmt.Errorf("%s=%q: want \"divisor,stop timeout\"", EnvClusterTest, t)
		}
		h.UnsafeTimeDivisor, h.StopTimeout = n, d
	}
	if h.Addr != "" {
		if _, _, err := h.hostPort(); err != nil {
			return h, err
		}
	}
	return h, nil
}

func (h ClusterHost) hostPort() (string, int, error) {
	host, p, err := net.SplitHostPort(h.Addr)
	port, perr := strconv.Atoi(p)
	if err != nil || perr != nil || port < 1 || port > 65534 {
		return "", 0, fmt.Errorf("cluster address %q: want host:port, the port below 65535 (the next one is used too)", h.Addr)
	}
	return host, port, nil
}

// ClusterSecretPrefix starts the names of the secrets that belong to the
// cluster (config.SecretCluster*): workerd gets them, the worker never.
const ClusterSecretPrefix = "VALET_CLUSTER_"

// workerSecrets are the secrets the worker sees: all but the cluster's.
func workerSecrets(all map[string]string) map[string]string {
	out := make(map[string]string, len(all))
	for k, v := range all {
		if !strings.HasPrefix(k, ClusterSecretPrefix) {
			out[k] = v
		}
	}
	return out
}

// instanceCluster is how one version's workerd joins the cluster.
type instanceCluster struct {
	cluster   *workerd.Cluster
	bind      string // host:port it listens on
	advertise string // host:port its peers reach it at
	port      int
}

// clusterOf returns how a version of cfg joins the cluster, on the port
// the instance listening on busy (0: none) does not use; nil for a version
// outside cluster mode. The bucket's credentials and the cluster key come
// from the host's secrets.
func (h ClusterHost) clusterOf(cfg *config.Config, secrets map[string]string, busy int) (*instanceCluster, error) {
	if cfg.Deploy == nil || cfg.Deploy.Cluster == nil {
		return nil, nil
	}
	c := cfg.Deploy.Cluster
	if h.Addr == "" {
		return nil, fmt.Errorf("the version runs in a cluster (deploy.cluster) but this edge was started without a cluster port: run valet deploy, which starts the edge with one")
	}
	host, port, err := h.hostPort()
	if err != nil {
		return nil, err
	}
	if port == busy {
		port++
	}
	key := secrets[config.SecretClusterKey]
	if key == "" {
		return nil, fmt.Errorf("the cluster key (secret %s) is not on this host: valet deploy generates it and keeps it on every host", config.SecretClusterKey)
	}
	wc := &workerd.Cluster{
		Bucket: c.Bucket, Endpoint: c.Endpoint, Region: c.Region, Key: key,
		UnsafeTimeDivisor: h.UnsafeTimeDivisor, StopTimeout: h.StopTimeout,
	}
	if strings.HasPrefix(c.Bucket, "s3://") {
		wc.AccessKeyID, wc.SecretAccessKey = secrets[config.SecretClusterAccessKeyID], secrets[config.SecretClusterSecretAccessKey]
		if wc.AccessKeyID == "" || wc.SecretAccessKey == "" {
			return nil, fmt.Errorf("the credentials of the cluster's bucket %s are not on this host: valet secret put %s and %s",
				c.Bucket, config.SecretClusterAccessKeyID, config.SecretClusterSecretAccessKey)
		}
	}
	advertise := h.Advertise
	if advertise == "" {
		advertise = host
	}
	return &instanceCluster{
		cluster: wc, port: port,
		bind:      net.JoinHostPort(host, strconv.Itoa(port)),
		advertise: net.JoinHostPort(advertise, strconv.Itoa(port)),
	}, nil
}
