package cmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/valet-dev/valet/pkg/bindings"
	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/iostreams"
	"github.com/valet-dev/valet/pkg/r2"
)

// R2Options are the inputs of `valet r2 object get/put/delete`.
type R2Options struct {
	IO        *iostreams.IOStreams
	Project   func() (*config.Project, error)
	Verb      string // get, put, delete
	Bucket    string
	Key       string
	File      string
	Pipe      bool
	HTTP      r2.HTTPMetadata
	Expires   string
	Remote    bool
	PersistTo string
}

// NewCmdR2 builds `valet r2`.
func NewCmdR2(f *cmdutil.Factory, runF func(*R2Options) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "r2",
		Short: "Read and write objects of the app's local R2 buckets",
		Example: `  valet r2 object put my-bucket/hello.txt --file hello.txt
  valet r2 object get my-bucket/hello.txt --pipe`,
	}
	object := &cobra.Command{
		Use:   "object",
		Short: "Get, put or delete an object (BUCKET/KEY)",
		Long: `Get, put or delete an object of a local R2 bucket, on the same storage valet dev
uses (--persist-to, default .valet/state), as wrangler r2 object ... --local does.
BUCKET is the bucket_name of r2_buckets (or the binding, without one).`,
		Example: `  valet r2 object put my-bucket/hello.txt --file hello.txt --content-type text/plain
  valet r2 object get my-bucket/hello.txt --pipe
  valet r2 object delete my-bucket/hello.txt`,
	}
	for _, verb := range []struct{ name, short string }{
		{"get", "Write an object to a file (its key's base name, or --file) or stdout (--pipe)"},
		{"put", "Store a file (--file) or stdin (--pipe) as an object"},
		{"delete", "Delete an object"},
	} {
		opts := &R2Options{IO: f.IO, Project: projectLoader(f), Verb: verb.name}
		sub := &cobra.Command{
			Use: verb.name + " BUCKET/KEY", Short: verb.short, Args: cobra.ExactArgs(1),
			RunE: func(_ *cobra.Command, a []string) error {
				bucket, key, ok := strings.Cut(a[0], "/")
				if !ok || bucket == "" || key == "" {
					return cmdutil.Usagef("%q: give the object as BUCKET/KEY, e.g. my-bucket/images/cat.png", a[0])
				}
				opts.Bucket, opts.Key = bucket, key
				if runF != nil {
					return runF(opts)
				}
				return r2Run(context.Background(), opts)
			},
		}
		sub.Flags().StringVar(&opts.PersistTo, "persist-to", "", "directory of the local data (default .valet/state, as valet dev)")
		sub.Flags().Bool("local", true, "use the local bucket (the only one valet has)")
		sub.Flags().BoolVar(&opts.Remote, "remote", false, "refused: valet has no remote R2")
		if verb.name != "delete" {
			sub.Flags().StringVarP(&opts.File, "file", "f", "", "file to read (put) or write (get)")
			sub.Flags().BoolVarP(&opts.Pipe, "pipe", "p", false, "stdin (put) or stdout (get) instead of a file")
		}
		if verb.name == "put" {
			sub.Flags().StringVar(&opts.HTTP.ContentType, "content-type", "", "Content-Type stored with the object")
			sub.Flags().StringVar(&opts.HTTP.ContentDisposition, "content-disposition", "", "Content-Disposition stored with the object")
			sub.Flags().StringVar(&opts.HTTP.ContentEncoding, "content-encoding", "", "Content-Encoding stored with the object")
			sub.Flags().StringVar(&opts.HTTP.ContentLanguage, "content-language", "", "Content-Language stored with the object")
			sub.Flags().StringVar(&opts.HTTP.CacheControl, "cache-control", "", "Cache-Control stored with the object")
			sub.Flags().StringVar(&opts.Expires, "expires", "", "Expires stored with the object (an RFC 1123 or RFC 3339 date)")
		}
		object.AddCommand(sub)
	}
	cmd.AddCommand(object)
	return cmd
}

func r2Run(ctx context.Context, opts *R2Options) error {
	if opts.Remote {
		return cmdutil.Usagef("valet has no remote R2 buckets: drop --remote (valet r2 uses the local bucket valet dev uses)")
	}
	p, err := opts.Project()
	if err != nil {
		return err
	}
	b, err := r2.OpenDisk(bindings.R2Dir(persistDir(p, opts.PersistTo), opts.Bucket))
	if err != nil {
		return err
	}
	defer b.Close()
	switch opts.Verb {
	case "get":
		o, body, err := b.Get(ctx, opts.Key, r2.GetOptions{})
		if r2.IsNotFound(err) {
			return fmt.Errorf("the object %q does not exist in bucket %q", opts.Key, opts.Bucket)
		}
		if err != nil {
			return err
		}
		defer body.Close()
		if opts.Pipe {
			_, err := io.Copy(opts.IO.Out, body)
			return err
		}
		file := opts.File
		if file == "" {
			file = path.Base(o.Key)
		}
		f, err := os.Create(file)
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, body); err != nil {
			_ = f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.ErrOut, "Downloaded %q from %q to %s.\n", opts.Key, opts.Bucket, file)
		return nil
	case "put":
		if (opts.File == "") == !opts.Pipe {
			return cmdutil.Usagef("give the value with exactly one of --file and --pipe")
		}
		if opts.Expires != "" {
			t, err := parseExpires(opts.Expires)
			if err != nil {
				return &cmdutil.UsageError{Err: err}
			}
			opts.HTTP.CacheExpiry = &r2.U64{V: uint64(t.UnixMilli())}
		}
		var body io.Reader = opts.IO.In
		var size int64 = -1
		if opts.File != "" {
			f, err := os.Open(opts.File)
			if err != nil {
				return &cmdutil.UsageError{Err: fmt.Errorf("--file: %w", err)}
			}
			defer f.Close()
			st, err := f.Stat()
			if err != nil {
				return err
			}
			body, size = f, st.Size()
		}
		if size < 0 {
			data, err := io.ReadAll(body)
			if err != nil {
				return err
			}
			body, size = strings.NewReader(string(data)), int64(len(data))
		}
		fmt.Fprintf(opts.IO.ErrOut, "Creating object %q in bucket %q.\n", opts.Key, opts.Bucket)
		if _, err := b.Put(ctx, opts.Key, body, size, r2.PutOptions{HTTP: opts.HTTP}); err != nil {
			return err
		}
		fmt.Fprintln(opts.IO.ErrOut, "Upload complete.")
		return nil
	case "delete":
		fmt.Fprintf(opts.IO.ErrOut, "Deleting object %q from bucket %q.\n", opts.Key, opts.Bucket)
		if err := b.Delete(ctx, opts.Key); err != nil {
			return err
		}
		fmt.Fprintln(opts.IO.ErrOut, "Delete complete.")
		return nil
	}
	return fmt.Errorf("r2: unknown command %q", opts.Verb)
}

func parseExpires(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC1123, time.RFC1123Z, time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--expires %q: use an RFC 1123 or RFC 3339 date, e.g. %q", s, time.Now().UTC().Add(24*time.Hour).Format(time.RFC3339))
}
