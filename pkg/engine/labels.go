package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// Label keys valet puts on everything it creates, so that it can find and
// clean up its own containers (and only those) after a crash or a deploy.
const (
	LabelApp     = "dev.valet.app"     // the app's name
	LabelClass   = "dev.valet.class"   // the Durable Object class a container backs
	LabelObject  = "dev.valet.object"  // the Durable Object id
	LabelSession = "dev.valet.session" // one `valet dev` run, or one deploy
	LabelVersion = "dev.valet.version" // the deployed version
	LabelManaged = "dev.valet.managed" // set on every object valet creates ("true")
)

// ContainerInfo is what ListByLabels reports about one container.
type ContainerInfo struct {
	ID      string
	Name    string // without the leading "/"
	Image   string
	Labels  map[string]string
	State   string // created, running, paused, restarting, removing, exited, dead
	Status  string // human text, e.g. "Up 2 minutes"
	Created time.Time
}

// Running reports whether the container is running.
func (c ContainerInfo) Running() bool { return c.State == "running" }

// ListByLabels returns every container (running or not) carrying all the
// given labels; an empty value matches any value of that key. Oldest first.
func (e *Engine) ListByLabels(ctx context.Context, labels map[string]string) ([]ContainerInfo, error) {
	f := client.Filters{}
	for _, l := range labelFilters(labels) {
		f.Add("label", l)
	}
	res, err := e.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list containers labelled %s on %s: %w", describeLabels(labels), e.host, err)
	}
	out := make([]ContainerInfo, 0, len(res.Items))
	for _, c := range res.Items {
		name := ""
		if len(c.Names) > 0 {
			name = strings.TrimPrefix(c.Names[0], "/")
		}
		out = append(out, ContainerInfo{
			ID:      c.ID,
			Name:    name,
			Image:   c.Image,
			Labels:  c.Labels,
			State:   string(c.State),
			Status:  c.Status,
			Created: time.Unix(c.Created, 0),
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, nil
}

// Sweep force-removes every container carrying all the given labels: the
// left-overs of a session that was killed before it could clean up. At least
// one label is required, so that a bug cannot sweep the whole engine.
func (e *Engine) Sweep(ctx context.Context, labels map[string]string) (int, error) {
	if len(labels) == 0 {
		return 0, errors.New("sweep: refusing to remove containers without a label filter")
	}
	list, err := e.ListByLabels(ctx, labels)
	if err != nil {
		return 0, err
	}
	removed := 0
	var errs []error
	for _, c := range list {
		if err := e.Remove(ctx, c.ID); err != nil {
			errs = append(errs, err)
			continue
		}
		removed++
	}
	return removed, errors.Join(errs...)
}

func labelFilters(labels map[string]string) []string {
	out := make([]string, 0, len(labels))
	for k, v := range labels {
		if v == "" {
			out = append(out, k)
		} else {
			out = append(out, k+"="+v)
		}
	}
	sort.Strings(out)
	return out
}

func describeLabels(labels map[string]string) string {
	if len(labels) == 0 {
		return "(any)"
	}
	return strings.Join(labelFilters(labels), ",")
}

// IsNotFound reports whether err says a container, image or network does not exist.
func IsNotFound(err error) bool { return cerrdefs.IsNotFound(err) }

// SafeName is s in the alphabet of the engine's names (containers,
// volumes, networks): lower case letters, digits, '-', '_' and '.'; "app"
// when nothing is left.
func SafeName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 {
		return "app"
	}
	return b.String()
}
