package edgehost

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/r2"
)

// BucketView is what a workerd cluster's bucket says of its instances and
// Durable Objects. workerd 1.20261117.1 keeps, under the bucket's prefix,
// v1/nodes/<node>.json per instance (its address, the expiry of its lease,
// whether it is stopping) and v1/do/<namespace>/<object id>/own.json per
// object (the instance that owns it, and the ownership's epoch, bumped at
// each takeover), beside the objects' storage. That layout is workerd's,
// undocumented: a view that does not find it says so (Error) instead of
// guessing.
type BucketView struct {
	Bucket  string         `json:"bucket"`
	Read    time.Time      `json:"read"` // when, by the edge's clock
	Nodes   []BucketNode   `json:"nodes"`
	Objects []BucketObject `json:"objects"`
	// Truncated: more objects than maxBucketObjects; the rest are not listed.
	Truncated bool   `json:"truncated,omitempty"`
	Error     string `json:"error,omitempty"`
}

// BucketNode is one instance's lease record.
type BucketNode struct {
	Node     string    `json:"node"`
	Address  string    `json:"address"`
	Expires  time.Time `json:"expires"`
	Draining bool      `json:"draining,omitempty"`
}

// BucketObject is one Durable Object's ownership record.
type BucketObject struct {
	Namespace string `json:"namespace"` // workerd's name of the class's namespace
	ID        string `json:"id"`
	Node      string `json:"node"`
	Epoch     int64  `json:"epoch"`
}

// maxBucketObjects bounds the objects a status lists (two requests each).
const maxBucketObjects = 500

// bucketView reads the cluster's records with the active version's
// deploy.cluster and the host's credentials.
func (s *Server) bucketView(ctx context.Context) *BucketView {
	st, err := s.store.Read()
	if err != nil || st.Active == "" {
		return nil
	}
	m, err := s.store.Manifest(st.Active)
	if err != nil {
		return &BucketView{Error: err.Error()}
	}
	var cfg config.Config
	if err := json.Unmarshal(m.Config, &cfg); err != nil || cfg.Deploy == nil || cfg.Deploy.Cluster == nil {
		return nil
	}
	secrets, err := s.store.Secrets()
	if err != nil {
		return &BucketView{Bucket: cfg.Deploy.Cluster.Bucket, Error: err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	return readBucket(ctx, cfg.Deploy.Cluster, secrets[config.SecretClusterAccessKeyID], secrets[config.SecretClusterSecretAccessKey])
}

// readBucket lists the cluster's records in c's bucket.
func readBucket(ctx context.Context, c *config.Cluster, keyID, secret string) *BucketView {
	v := &BucketView{Bucket: c.Bucket, Read: time.Now().UTC(), Nodes: []BucketNode{}, Objects: []BucketObject{}}
	rest, ok := strings.CutPrefix(c.Bucket, "s3://")
	if !ok {
		v.Error = "valet reads the records of an s3:// bucket only"
		return v
	}
	name, prefix, _ := strings.Cut(rest, "/")
	if prefix = strings.Trim(prefix, "/"); prefix != "" {
		prefix += "/"
	}
	endpoint, region := c.Endpoint, c.Region
	if region == "" {
		region = "us-east-1"
	}
	if endpoint == "" {
		endpoint = "https://s3." + region + ".amazonaws.com"
	}
	b, err := r2.OpenS3(r2.S3Options{Endpoint: endpoint, Bucket: name, Region: region, Prefix: prefix + "v1/",
		AccessKeyID: keyID, SecretAccessKey: secret})
	if err != nil {
		v.Error = err.Error()
		return v
	}
	nodes, _, err := listAll(ctx, b, "nodes/", "", 0)
	if err != nil {
		v.Error = err.Error()
		return v
	}
	known := map[string]bool{}
	readNode := func(key string) {
		var n struct {
			Node      string `json:"node"`
			Address   string `json:"address"`
			ExpiresMS int64  `json:"expires_ms"`
			Draining  bool   `json:"draining"`
		}
		if err := getJSON(ctx, b, key, &n); err != nil || known[n.Node] {
			return // removed since the listing
		}
		known[n.Node] = true
		v.Nodes = append(v.Nodes, BucketNode{Node: n.Node, Address: n.Address, Expires: time.UnixMilli(n.ExpiresMS).UTC(), Draining: n.Draining})
	}
	for _, key := range nodes {
		readNode(key)
	}
	namespaces, _, err := listAll(ctx, b, "do/", "/", 0)
	if err != nil {
		v.Error = err.Error()
		return v
	}
	for _, ns := range namespaces {
		left := maxBucketObjects - len(v.Objects)
		ids, more, err := listAll(ctx, b, ns, "/", left)
		if err != nil {
			v.Error = err.Error()
			return v
		}
		v.Truncated = v.Truncated || more
		for _, idp := range ids {
			var own struct {
				Node  string `json:"node"`
				Epoch int64  `json:"epoch"`
			}
			if err := getJSON(ctx, b, idp+"own.json", &own); err != nil {
				continue // no owner yet (or any more)
			}
			v.Objects = append(v.Objects, BucketObject{
				Namespace: path.Base(strings.TrimSuffix(ns, "/")), ID: path.Base(strings.TrimSuffix(idp, "/")),
				Node: own.Node, Epoch: own.Epoch,
			})
		}
		if len(v.Objects) >= maxBucketObjects {
			v.Truncated = true
			break
		}
	}
	// A record being replaced can be missing from a listing (versitygw
	// writes by rename): an owner not listed is read by its key.
	for _, o := range v.Objects {
		if o.Node != "" && !known[o.Node] {
			readNode("nodes/" + o.Node + ".json")
		}
	}
	if len(v.Nodes) == 0 && len(v.Objects) == 0 {
		v.Error = "no instance records under " + c.Bucket + "/v1/: no instance has joined, or workerd keeps its records elsewhere than the version valet knows"
	}
	sort.Slice(v.Nodes, func(i, j int) bool { return v.Nodes[i].Address < v.Nodes[j].Address })
	return v
}

// listAll lists the keys under prefix (with a delimiter, the prefixes one
// level down), up to limit (0: all); more says some were left out.
func listAll(ctx context.Context, b *r2.S3, prefix, delimiter string, limit int) (out []string, more bool, err error) {
	cursor := ""
	for {
		res, err := b.List(ctx, r2.ListOptions{Prefix: prefix, Delimiter: delimiter, Cursor: cursor})
		if err != nil {
			return nil, false, fmt.Errorf("read the cluster's records: %w", err)
		}
		for _, o := range res.Objects {
			out = append(out, o.Key)
		}
		out = append(out, res.DelimitedPrefixes...)
		if limit > 0 && len(out) >= limit {
			return out[:limit], len(out) > limit || res.Truncated, nil
		}
		if !res.Truncated {
			return out, false, nil
		}
		cursor = res.Cursor
	}
}

func getJSON(ctx context.Context, b *r2.S3, key string, v any) error {
	_, body, err := b.Get(ctx, key, r2.GetOptions{})
	if err != nil {
		return err
	}
	defer body.Close()
	data, err := io.ReadAll(io.LimitReader(body, 64<<10))
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}
