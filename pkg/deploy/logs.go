package deploy

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/ui"
)

// tailLogs returns the last lines a container wrote (for an edge that died).
func (t *Target) tailLogs(ctx context.Context, id string) string {
	rc, err := t.E.Logs(ctx, id, false)
	if err != nil {
		return err.Error()
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, 1<<20))
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return "  " + strings.Join(lines, "\n  ")
}

// LogsOptions configure Logs.
type LogsOptions struct {
	Follow bool
	// Events receives the log, one event per line: pkg/ui renders it.
	Events events.Sink
}

// Logs streams the edges' logs as events: their requests, their workers'
// output, and the output and state changes of the Durable Objects'
// containers, which each edge follows itself from their start. Reading
// those containers directly instead would miss the ones started after
// Logs began and lose the lines of the ones already removed. With several
// hosts, each event names its host (Event.Host).
func Logs(ctx context.Context, c Conn, opts LogsOptions) error {
	hosts, err := c.Hosts()
	if err != nil {
		return err
	}
	sink := opts.Events
	if sink == nil {
		sink = events.Discard
	}
	g, gctx := errgroup.WithContext(ctx)
	found := 0
	for _, h := range hosts {
		t, err := c.targetAt(ctx, h)
		if err != nil {
			return err
		}
		defer t.E.Close()
		list, err := t.E.ListByLabels(ctx, map[string]string{engine.LabelApp: t.App, LabelRole: "edge"})
		if err != nil {
			return err
		}
		found += len(list)
		tag := func(e events.Event) events.Event { return e }
		if len(hosts) > 1 {
			label := hostLabel(h.Host)
			tag = func(e events.Event) events.Event {
				e.Host = label
				return e
			}
		}
		for _, ci := range list {
			if !ci.Running() {
				continue
			}
			g.Go(func() error {
				pr, pw := io.Pipe()
				go func() {
					pw.CloseWithError(t.E.LogsTo(gctx, ci.ID, opts.Follow, pw, pw))
				}()
				sc := bufio.NewScanner(pr)
				sc.Buffer(make([]byte, 64*1024), 1<<20)
				for sc.Scan() {
					sink.Emit(tag(logEvent(sc.Bytes())))
				}
				return sc.Err()
			})
		}
	}
	if found == 0 {
		_ = g.Wait()
		return fmt.Errorf("%s has nothing on %s: deploy it first (valet deploy)", c.App(), strings.Join(hostNames(hosts), ", "))
	}
	return g.Wait()
}

// logEvent reads a line of the edge's output: an event line as its log
// sink writes them, or anything else it printed (a Go panic), which
// becomes a log line of the edge.
func logEvent(line []byte) events.Event {
	if bytes.HasPrefix(line, []byte("{")) {
		if e, err := ui.UnmarshalEvent(line); err == nil {
			return e
		}
	}
	return events.Event{Kind: events.Log, Source: "edge", Message: string(line)}
}
