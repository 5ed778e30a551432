package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"reflect"
	"strconv"
	"strings"
)

// HostList is the hosts valet deploy ships to: deploy.host as one host, or
// deploy.hosts; none when neither is set (the local engine's default).
func (d *Deploy) HostList() []DeployHost {
	switch {
	case d == nil:
		return nil
	case len(d.Hosts) > 0:
		return d.Hosts
	case d.Host != "":
		return []DeployHost{{Host: d.Host}}
	}
	return nil
}

// ClusterAddress is where host's cluster port listens: its private
// address, with the cluster's port when the address names none.
func (d *Deploy) ClusterAddress(h DeployHost) string {
	if h.PrivateAddress == "" {
		return ""
	}
	if _, _, err := net.SplitHostPort(h.PrivateAddress); err == nil {
		return h.PrivateAddress
	}
	port := DefaultClusterPort
	if d != nil && d.Cluster != nil && d.Cluster.Port != 0 {
		port = d.Cluster.Port
	}
	return net.JoinHostPort(strings.Trim(h.PrivateAddress, "[]"), strconv.Itoa(port))
}

// checkDeployHosts validates deploy.hosts in one section: each a Docker
// Engine address given once, each private address a private one.
func (d *decoder) checkDeployHosts(dep *Deploy, prefix string) {
	seen := map[string]string{}
	for i, h := range dep.Hosts {
		hp := index(join(prefix, "deploy.hosts"), i)
		d.checkHost(h.Host, hp+".host")
		if first, dup := seen[h.Host]; dup && h.Host != "" {
			d.errorf(d.nodeAt(hp+".host"), "list each host once", "%s%q is already %s", at(hp+".host"), h.Host, first)
		} else {
			seen[h.Host] = hp
		}
		d.checkPrivateAddress(h.PrivateAddress, hp+".private_address")
	}
}

// checkPrivateAddress refuses what workerd refuses for a cluster address:
// a public IP, since the traffic between instances is not encrypted.
// Private, loopback, link-local and shared (100.64.0.0/10, Tailscale's)
// addresses are allowed, and so are host names, as workerd allows them.
func (d *decoder) checkPrivateAddress(addr, path string) {
	if addr == "" {
		return
	}
	n := d.nodeAt(path)
	host, port := addr, ""
	if h, p, err := net.SplitHostPort(addr); err == nil {
		host, port = h, p
	}
	if port != "" {
		p, err := strconv.Atoi(port)
		if err != nil || p < 1 || p > 65535 {
			d.errorf(n, "a port is between 1 and 65535, e.g. \"10.0.0.2:7000\"", "%s%q has no valid port", at(path), addr)
			return
		}
		d.checkClusterPort(n, path, p)
	}
	if host == "" || strings.ContainsAny(host, "/ ") {
		d.errorf(n, `use an IP or host name, optionally with a port, e.g. "10.0.0.2" or "10.0.0.2:7000"`, "%s%q is not an address", at(path), addr)
		return
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil {
		return // a host name: resolved on the host, as workerd does
	}
	if !privateIP(ip) {
		d.errorf(n, "the cluster port carries unencrypted traffic between the hosts: give the host's address on a private network (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10 as Tailscale uses, fc00::/7) such as a VPC, WireGuard or Tailscale",
			"%s%s is a public IP address", at(path), ip)
	}
}

// Linux's default ephemeral port range (net.ipv4.ip_local_port_range),
// from which the kernel picks the local port of an outgoing connection.
const ephemeralLow, ephemeralHigh = 32768, 60999

// checkClusterPort warns of a cluster port the kernel may give an outgoing
// connection: a new version's instance binds port+1 (or port) only during
// a deploy, and a connection holding it then fails that deploy with
// "Address already in use".
func (d *decoder) checkClusterPort(n *node, path string, port int) {
	if port+1 < ephemeralLow || port > ephemeralHigh {
		return
	}
	d.warnf(n, fmt.Sprintf("use a port below %d, such as the default %d, or reserve both on every host (sysctl net.ipv4.ip_local_reserved_ports=%d-%d)", ephemeralLow-1, DefaultClusterPort, port, port+1),
		"%scluster ports %d-%d overlap Linux's default ephemeral range (%d-%d): an outgoing connection on a host may hold one when a deploy needs it",
		at(path), port, port+1, ephemeralLow, ephemeralHigh)
}

var sharedRange = netip.MustParsePrefix("100.64.0.0/10")

// privateIP is workerd's rule for a cluster address without
// unsafePublicAddress.
func privateIP(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() || sharedRange.Contains(ip)
}

// checkCluster validates deploy.cluster in one section.
func (d *decoder) checkCluster(c *Cluster, prefix string) {
	cp := join(prefix, "deploy.cluster")
	if c.Bucket != "" {
		scheme, rest, ok := strings.Cut(c.Bucket, "://")
		name, _, _ := strings.Cut(rest, "/")
		if !ok || (scheme != "s3" && scheme != "gs") || name == "" {
			d.errorf(d.nodeAt(cp+".bucket"), `use s3://bucket[/prefix] for S3 or an S3-compatible store (R2, MinIO), or gs://bucket[/prefix] for Google Cloud Storage, e.g. "s3://valet-state/my-app"`,
				"%s%q is not a bucket URL", at(cp+".bucket"), c.Bucket)
		} else if scheme == "gs" {
			for _, f := range []struct{ key, val string }{{"endpoint", c.Endpoint}, {"region", c.Region}} {
				if f.val != "" {
					d.errorf(d.nodeAt(cp+"."+f.key), "remove it: Google Cloud Storage is reached at its own endpoint, with no region",
						"%sa gs:// bucket takes no %s", at(cp+"."+f.key), f.key)
				}
			}
		}
	}
	if c.Port != 0 {
		d.checkClusterPort(d.nodeAt(cp+".port"), cp+".port", c.Port)
	}
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			d.errorf(d.nodeAt(cp+".endpoint"), `use the store's URL, e.g. "https://<account>.r2.cloudflarestorage.com"`,
				"%s%q is not an http(s) URL", at(cp+".endpoint"), c.Endpoint)
		}
	}
}

// checkDeployShape validates one resolved view's deploy settings as a
// whole: one host or several, and a bucket for several.
func (d *decoder) checkDeployShape(dep *Deploy, pathOf func(key string) string) {
	if dep == nil {
		return
	}
	hosts := pathOf("deploy") + ".hosts"
	if dep.Host != "" && len(dep.Hosts) > 0 {
		d.errorf(d.keyAt(hosts), "keep deploy.host for one host, or move it into deploy.hosts for several",
			"%sdeploy.host and deploy.hosts are both set", at(hosts))
	}
	if len(dep.Hosts) > 1 && dep.Cluster != nil {
		for i, h := range dep.Hosts {
			hp := index(hosts, i)
			// Hosts an environment inherits are reported where written.
			if _, written := d.vals[hp]; h.PrivateAddress == "" && written {
				d.errorf(d.nodeAt(hp), `add "private_address": the host's IP on the private network the hosts share (a VPC, WireGuard, Tailscale), e.g. "10.0.0.2"`,
					"%s%s has no private_address: the hosts' instances of the app reach each other there", at(hp), orUnnamed(h.Host))
			}
		}
	}
	if len(dep.Hosts) > 1 && dep.Cluster == nil {
		d.errorf(d.keyAt(hosts), `add "cluster": {"bucket": "s3://<bucket>/<app>", "endpoint": "https://..."} to deploy, and its credentials with valet secret put `+SecretClusterAccessKeyID+` and `+SecretClusterSecretAccessKey,
			"%s%d hosts share the app's Durable Objects through a bucket, and deploy.cluster names none", at(hosts), len(dep.Hosts))
	}
}

func orUnnamed(host string) string {
	if host == "" {
		return "the host"
	}
	return strconv.Quote(host)
}

// credentialKeys are keys a user may try to give the cluster's
// credentials in: refused with where they go instead.
var credentialKeys = map[string]string{
	"access_key_id": SecretClusterAccessKeyID, "aws_access_key_id": SecretClusterAccessKeyID,
	"secret_access_key": SecretClusterSecretAccessKey, "aws_secret_access_key": SecretClusterSecretAccessKey,
	"credentials": SecretClusterAccessKeyID, "key": SecretClusterKey, "cluster_key": SecretClusterKey,
}

// credentialHint is the error for a credential written in deploy.cluster,
// or "" for any other key.
func credentialHint(t reflect.Type, key string) string {
	if t != reflect.TypeFor[Cluster]() {
		return ""
	}
	secret, ok := credentialKeys[strings.ToLower(key)]
	if !ok {
		return ""
	}
	return fmt.Sprintf("remove it, and keep it on the hosts with `valet secret put %s`: a config file is committed with the project", secret)
}
