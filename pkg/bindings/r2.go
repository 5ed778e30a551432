package bindings

import (
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/r2"
	"github.com/valet-dev/valet/pkg/workerd"
)

// r2Buckets are `r2_buckets`: workerd's R2 binding speaks HTTP to a
// service, answered by valet's Go R2 server (pkg/r2) on a unix socket of
// the version. Each bucket is an external service of its own that tells
// the server which bucket it is by a header workerd adds. Objects live
// under PersistTo/r2/<bucket>; on a deployed host, a bucket with `s3`
// lives in that S3-compatible store instead.
var r2Buckets = &Kind{
	Name:  "r2 bucket",
	Order: 16,
	List: func(c *config.Config, _ []string) []Binding {
		var out []Binding
		for _, b := range c.R2Buckets {
			out = append(out, Binding{Name: b.Binding, ID: R2ID(b), S3: b.S3})
		}
		return out
	},
	Workerd: func(b Binding, ctx Context) (workerd.Binding, error) {
		if _, err := ctx.storageDir("r2"); err != nil {
			return workerd.Binding{}, err
		}
		if ctx.SocketDir == "" {
			return workerd.Binding{}, fmt.Errorf("r2 needs a socket directory (SocketDir)")
		}
		h := ctx.Services.Handler(r2Service, ctx.SocketDir, func() http.Handler { return r2.NewServer() })
		srv := h.Handler.(*r2.Server)
		err := srv.Mount(b.ID, func() (r2.Bucket, error) {
			if b.S3 != nil && !ctx.Dev {
				return openS3(b, ctx)
			}
			return r2.OpenDisk(R2Dir(ctx.PersistTo, b.ID))
		})
		if err != nil {
			return workerd.Binding{}, err
		}
		name := r2Service + "-" + b.ID
		header := workerd.NewStruct().Text("name", r2.BucketHeader).Text("value", b.ID)
		httpOpts := workerd.NewStruct().Set("injectRequestHeaders", workerd.List(header.String()))
		ext := workerd.NewStruct().Text("address", "unix:"+h.Socket).Set("http", httpOpts.String())
		ctx.Services.Add(workerd.Service{Name: name, Value: "external = " + ext.String()})
		return workerd.Binding{Name: b.Name, Member: "r2Bucket", Value: workerd.NewStruct().Text("name", name).String()}, nil
	},
	Type:  func(Binding, TypeContext) (string, error) { return "R2Bucket", nil },
	State: r2State,
}

const r2Service = "valet-r2"

// R2ID is the key a bucket is stored under locally, as wrangler dev keys
// it: bucket_name, else the binding's name.
func R2ID(b config.R2Bucket) string {
	if b.BucketName != "" {
		return b.BucketName
	}
	return b.Binding
}

// R2Dir is the directory of bucket id's objects under persist.
func R2Dir(persist, id string) string {
	return filepath.Join(persist, "r2", url.PathEscape(id))
}

// r2State counts a local bucket's objects.
func r2State(b Binding, ctx Context) (string, error) {
	db, ok, err := openRead(filepath.Join(R2Dir(ctx.PersistTo, b.ID), "index.sqlite"))
	if err != nil || !ok {
		return plural(0, "object") + ", " + byteSize(0), err
	}
	defer db.Close()
	var n, size int64
	if err := db.QueryRow(`SELECT count(*), coalesce(sum(size), 0) FROM objects`).Scan(&n, &size); err != nil {
		return "", fmt.Errorf("r2 bucket %s: %w", b.ID, err)
	}
	return plural(int(n), "object") + ", " + byteSize(size), nil
}

func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// openS3 opens the bucket's S3-compatible store, with the credentials of
// the secrets the config names.
func openS3(b Binding, ctx Context) (r2.Bucket, error) {
	secret := func(field, name string) (string, error) {
		v, ok := ctx.Secrets[name]
		if name == "" || !ok || v == "" {
			return "", fmt.Errorf("r2_buckets %s: s3.%s names the secret %q, which is not set on the host: run valet secret put %s", b.Name, field, name, name)
		}
		return v, nil
	}
	key, err := secret("access_key_id_secret", b.S3.AccessKeyIDSecret)
	if err != nil {
		return nil, err
	}
	secretKey, err := secret("secret_access_key_secret", b.S3.SecretAccessKeySecret)
	if err != nil {
		return nil, err
	}
	return r2.OpenS3(r2.S3Options{Endpoint: b.S3.Endpoint, Bucket: b.S3.Bucket, Region: b.S3.Region, Prefix: b.S3.Prefix,
		AccessKeyID: key, SecretAccessKey: secretKey})
}
