package engine

import (
	"context"
	"fmt"
	"io"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// Logs returns the container's stdout and stderr merged into one stream of
// plain lines (the engine's 8-byte frame headers removed). With follow it
// runs until the container stops or the reader is closed.
func (e *Engine) Logs(ctx context.Context, id string, follow bool) (io.ReadCloser, error) {
	body, tty, err := e.openLogs(ctx, id, follow)
	if err != nil {
		return nil, err
	}
	if tty {
		return body, nil
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := stdcopy.StdCopy(pw, pw, body)
		_ = body.Close()
		_ = pw.CloseWithError(err)
	}()
	return &logReader{PipeReader: pr, body: body}, nil
}

// LogsTo copies the container's stdout and stderr to separate writers until
// the logs end (with follow: until the container stops or ctx ends).
func (e *Engine) LogsTo(ctx context.Context, id string, follow bool, stdout, stderr io.Writer) error {
	body, tty, err := e.openLogs(ctx, id, follow)
	if err != nil {
		return err
	}
	defer body.Close()
	if tty {
		_, err = io.Copy(stdout, body)
	} else {
		_, err = stdcopy.StdCopy(stdout, stderr, body)
	}
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("read logs of container %s: %w", shortID(id), err)
	}
	return nil
}

func (e *Engine) openLogs(ctx context.Context, id string, follow bool) (io.ReadCloser, bool, error) {
	info, err := e.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return nil, false, fmt.Errorf("logs of container %s: %w", shortID(id), err)
	}
	tty := info.Container.Config != nil && info.Container.Config.Tty
	body, err := e.cli.ContainerLogs(ctx, id, client.ContainerLogsOptions{
		ShowStdout: true, ShowStderr: true, Follow: follow,
	})
	if err != nil {
		return nil, false, fmt.Errorf("logs of container %s: %w", shortID(id), err)
	}
	return body, tty, nil
}

// logReader closes the engine's response along with the pipe, so that a
// caller that stops reading a followed log frees the connection.
type logReader struct {
	*io.PipeReader
	body io.Closer
}

func (r *logReader) Close() error {
	_ = r.body.Close()
	return r.PipeReader.Close()
}
