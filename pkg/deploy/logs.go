package deploy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
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
	JSON   bool // the edge's JSON event lines as they are; else one readable line each
	Out    io.Writer
}

// Logs streams the edge's log to opts.Out: its requests, its worker's
// output, and the output and state changes of the Durable Objects'
// containers, which the edge follows itself from their start. Reading
// those containers directly instead would miss the ones started after
// Logs began and lose the lines of the ones already removed.
func Logs(ctx context.Context, c Conn, opts LogsOptions) error {
	t, err := c.target(ctx)
	if err != nil {
		return err
	}
	defer t.E.Close()
	list, err := t.E.ListByLabels(ctx, map[string]string{engine.LabelApp: t.App, LabelRole: "edge"})
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return fmt.Errorf("%s has nothing on %s: deploy it first (valet deploy)", t.App, t.E.Host())
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	for _, ci := range list {
		if !ci.Running() {
			continue
		}
		prefix := "edge"
		g.Go(func() error {
			pr, pw := io.Pipe()
			go func() {
				pw.CloseWithError(t.E.LogsTo(gctx, ci.ID, opts.Follow, pw, pw))
			}()
			sc := bufio.NewScanner(pr)
			sc.Buffer(make([]byte, 64*1024), 1<<20)
			for sc.Scan() {
				line := formatLogLine(prefix, sc.Bytes(), opts.JSON)
				mu.Lock()
				_, err := io.WriteString(opts.Out, line+"\n")
				mu.Unlock()
				if err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// formatLogLine renders an edge event line readably; other lines get their
// source as a prefix.
func formatLogLine(prefix string, line []byte, asJSON bool) string {
	var e struct {
		events.Event
		Version string `json:"version"`
	}
	if prefix != "edge" || !bytes.HasPrefix(line, []byte("{")) || json.Unmarshal(line, &e) != nil {
		if asJSON {
			b, _ := json.Marshal(map[string]string{"source": prefix, "message": string(line)})
			return string(b)
		}
		return prefix + " | " + string(line)
	}
	if asJSON {
		return string(line)
	}
	ts := e.Time.Local().Format("15:04:05.000")
	switch e.Kind {
	case events.Request:
		s := fmt.Sprintf("%s %s %s %d %s %s", ts, e.Method, e.Path, e.Status, e.Route, e.Duration.Round(time.Microsecond))
		if e.Error != "" {
			s += " " + e.Error
		}
		return s
	case events.Log:
		return fmt.Sprintf("%s [%s] %s", ts, orDefault(e.Source, "worker"), e.Message)
	case events.ContainerState:
		s := fmt.Sprintf("%s [container:%s/%s] %s", ts, e.Class, shortObject(e.ObjectID), e.State)
		if e.Message != "" {
			s += " (" + e.Message + ")"
		}
		return s
	default:
		return fmt.Sprintf("%s %s %s%s", ts, e.Kind, e.Message, e.Error)
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func shortObject(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}
